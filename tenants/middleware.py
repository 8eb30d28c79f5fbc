"""How a request finds its school: by its host name, before anything else reads data."""

import sentry_sdk
from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils.log import log_response
from django_tenants.middleware.main import TenantMainMiddleware

from .selectors import school_at


class SchoolMiddleware(TenantMainMiddleware):
    """`<slug>.<BASE_DOMAIN>` is a school: its schema becomes the search path and the school
    URLs apply. The base domain is the portal and the district console (public schema).
    Any other host gets a plain "no such school" page and touches no schema."""

    def process_request(self, request):
        connection.set_schema_to_public()
        request.school = None
        hostname = self.hostname_from_request(request)
        if hostname in (settings.BASE_DOMAIN, "127.0.0.1"):
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            sentry_sdk.set_tag("school", "public")
            return None
        school = school_at(hostname)
        if school is None:
            return render(request, "unknown_host.html", {"hostname": hostname}, status=404)
        school.domain_url = hostname
        request.tenant = request.school = school
        connection.set_tenant(school)
        sentry_sdk.set_tag("school", school.schema_name)
        return None

    def process_response(self, request, response):
        if response.status_code >= 400:
            # Django logs a 4xx/5xx answer once the middleware has returned, when the connection
            # is back on public; log it here, while the log line can still name the school.
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        # Leave the connection on public, so nothing after this request reads this school.
        connection.set_schema_to_public()
        return response
