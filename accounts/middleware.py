from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from groundwork.api import error_body
from groundwork.errors import refuse

from . import two_factor
from .models import PORTAL_SIGN_IN_ROLES, SCHOOL_SIGN_IN_ROLES
from .selectors import roles_held


def roles_for(user, school):
    """Roles a person holds at an address: in this school, or (school None) at the portal."""
    if school is not None:
        return {
            h.role
            for h in roles_held(user)
            if h.school is not None and h.school.pk == school.pk and h.role in SCHOOL_SIGN_IN_ROLES
        }
    return {h.role for h in roles_held(user) if h.role in PORTAL_SIGN_IN_ROLES}


class SchoolAccessGate:
    """The one gate every request passes, in this order:

    1. roles: a session is good only at an address where its person holds a role (the cookie is
       already bound to one host; this also ends a session whose membership was ended);
    2. the second factor: until a person who needs one has given it in this session, only the
       two-factor page, signing out and the language switch answer; the API says why;
    3. the school's state: a suspended or archived school is read, never written, except for
       what changes no school data: signing in, the person's own account (the second factor,
       the password, the e-mail), signing out, the language.

    Every answer to a signed-in person is private and not stored by browsers or proxies (marks,
    a two-factor key, recovery codes)."""

    BEFORE_SECOND_FACTOR = ("/account/2fa/", "/logout/", "/i18n/", "/static/")
    # The person's own account, not the school's records: below /login/ and /account/ too.
    AT_A_READ_ONLY_SCHOOL = ("/login/", "/logout/", "/account/", "/i18n/setlang/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.refusal(request) or self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    def refusal(self, request):
        request.roles = roles_for(request.user, request.school) if request.user.is_authenticated else set()
        if request.user.is_authenticated and not request.roles:
            logout(request)
        if not request.path.startswith(self.BEFORE_SECOND_FACTOR) and two_factor.needed(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error_body("two_factor_required", _("Подтвердите вход вторым фактором: /account/2fa/")), status=403
                )
            return redirect(f"/account/2fa/?next={request.get_full_path()}")
        school = request.school
        if (
            school is not None
            and not school.is_writable
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not request.path.startswith(self.AT_A_READ_ONLY_SCHOOL)
        ):
            message = _("Школа «%(short_name)s»: %(status)s. Изменения не сохраняются.") % {
                "short_name": school.short_name,
                "status": school.get_status_display().lower(),
            }
            return refuse(request, 403, "school_read_only", message, template="read_only.html")
        return None
