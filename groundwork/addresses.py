"""Addresses: where a request came from (the "from where" of every audit entry, sign-in attempt
and request rate) and where a page of ours is (links in invitations, mails and the demo's output)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies the address the
    outermost of them saw. Each proxy appends who connected to it to X-Forwarded-For, so what a
    client writes there itself stands further left and is never taken."""
    if settings.TRUSTED_PROXIES:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= settings.TRUSTED_PROXIES:
            return _address(forwarded[-settings.TRUSTED_PROXIES])
    return request.META.get("REMOTE_ADDR")


def _address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def portal_url(path="/"):
    return host_url(settings.BASE_DOMAIN, path)


def host_url(host, path="/"):
    port = settings.SITE_PORT
    default = {"http": "80", "https": "443"}[settings.SITE_SCHEME]
    netloc = host if port in ("", default) else f"{host}:{port}"
    return f"{settings.SITE_SCHEME}://{netloc}{path}"
