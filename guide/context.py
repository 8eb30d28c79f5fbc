"""The «?» in every page's header: the help of the page, or of the person's role."""

from django.urls import reverse

from .selectors import help_for


def help_url(request):
    match = getattr(request, "resolver_match", None)
    slug = help_for(match.url_name if match else None, getattr(request, "roles", set()))
    return {"help_url": reverse("help_page", args=[slug]) if slug else reverse("help")}
