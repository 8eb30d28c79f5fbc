from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect

from groundwork.api import error_body

from . import two_factor
from .models import PORTAL_SIGN_IN_ROLES, SCHOOL_SIGN_IN_ROLES, Membership


def roles_for(user, school):
    """Roles a person holds at an address: in this school, or (school None) at the portal."""
    memberships = Membership.objects.active().filter(user=user)
    if school is not None:
        memberships = memberships.filter(school=school, role__in=SCHOOL_SIGN_IN_ROLES)
    else:
        memberships = memberships.filter(role__in=PORTAL_SIGN_IN_ROLES)
    return set(memberships.values_list("role", flat=True))


class MembershipMiddleware:
    """A session is good only at an address where its person holds a role. The cookie is
    already bound to one host; this also ends a session whose membership was ended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.roles = roles_for(request.user, request.school) if request.user.is_authenticated else set()
        if request.user.is_authenticated and not request.roles:
            logout(request)
        return self.get_response(request)


class TwoFactorMiddleware:
    """Until a person who needs a second factor has given it in this session, only the
    two-factor page, signing out and the language switch answer; the API says why."""

    OPEN = ("/account/2fa/", "/logout/", "/i18n/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.OPEN) or not two_factor.needed(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                error_body("two_factor_required", "Подтвердите вход вторым фактором: /account/2fa/"), status=403
            )
        return redirect(f"/account/2fa/?next={request.get_full_path()}")
