from django.conf import settings

from accounts.selectors import places_of


def site(request):
    school = getattr(request, "school", None)
    user = getattr(request, "user", None)
    here = school.slug if school else "portal"
    places = [p for p in places_of(user) if p[0] != here] if user is not None and user.is_authenticated else []
    return {
        "current_school": school,
        "portal_url": portal_url(),
        "base_domain": settings.BASE_DOMAIN,
        "other_places": places,
    }


def portal_url(path="/"):
    return host_url(settings.BASE_DOMAIN, path)


def host_url(host, path="/"):
    port = settings.SITE_PORT
    default = {"http": "80", "https": "443"}[settings.SITE_SCHEME]
    netloc = host if port in ("", default) else f"{host}:{port}"
    return f"{settings.SITE_SCHEME}://{netloc}{path}"
