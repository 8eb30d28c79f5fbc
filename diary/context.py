from django.utils.functional import SimpleLazyObject

from . import selectors


def unread(request):
    """Unread counts for the menu on every page of a signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(request, "roles", None):
        return {}
    # Counted only if the page's menu shows a count (a lazy object): pages without one pay nothing.
    return {"unread": SimpleLazyObject(lambda: selectors.unread_counts(user, getattr(request, "school", None)))}
