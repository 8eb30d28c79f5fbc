"""What every page's frame shows: the school it is at, the way back to the portal, and the other
places (schools, the portal) the signed-in person may switch to."""

from django.conf import settings

from groundwork.addresses import portal_url

from .selectors import places_of


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
