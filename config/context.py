from django.conf import settings


def site(request):
    school = getattr(request, "school", None)
    return {"current_school": school, "portal_url": portal_url(), "base_domain": settings.BASE_DOMAIN}


def portal_url(path="/"):
    return host_url(settings.BASE_DOMAIN, path)


def host_url(host, path="/"):
    port = settings.SITE_PORT
    default = {"http": "80", "https": "443"}[settings.SITE_SCHEME]
    netloc = host if port in ("", default) else f"{host}:{port}"
    return f"{settings.SITE_SCHEME}://{netloc}{path}"
