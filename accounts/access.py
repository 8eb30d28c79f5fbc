"""Who may open what. Views are wrapped in these; objects are loaded through access
functions that answer 404 alike for "not yours" and "does not exist"."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from rest_framework.permissions import BasePermission

from .models import Role

ANYONE = "anyone"
SIGNED_IN = "signed in"


class Audience:
    """Who a route is for: at which address ("school", "portal" or "any") and which roles held
    there may read (GET) and write (other methods). Every page and API view declares one;
    tests/test_access_matrix.py walks every route and fails on a route without it."""

    def __init__(self, where, read, write=None):
        self.where, self.read = where, frozenset(read)
        self.write = self.read if write is None else frozenset(write)

    def roles_for(self, method):
        return self.read if method in ("GET", "HEAD", "OPTIONS") else self.write

    def admits(self, request, method=None):
        roles = self.roles_for(method or request.method)
        if ANYONE in roles:
            return True
        if not request.user.is_authenticated:
            return False
        at_school = getattr(request, "school", None) is not None
        if self.where == "school" and not at_school or self.where == "portal" and at_school:
            return False
        return SIGNED_IN in roles or bool(request.roles & roles)

    def __repr__(self):
        return f"Audience({self.where}, read={sorted(self.read)}, write={sorted(self.write)})"


def audience(where, read, write=None, hidden=False):
    """Declares and enforces a page's audience: anonymous people are sent to sign in,
    others outside it get the "no access" page (`hidden`: a 404, as if it were not there)."""
    declared = Audience(where, read, write)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not declared.admits(request):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if hidden:
                    raise Http404
                return render(request, "forbidden.html", status=403)
            return view(request, *args, **kwargs)

        wrapped.audience = declared
        return wrapped

    return decorator


def public(view):
    """Open to anyone (sign-in, invitations, the start pages that greet the anonymous)."""
    return audience("any", {ANYONE})(view)


def signed_in(view):
    return audience("any", {SIGNED_IN})(view)


def school_roles(*roles):
    """At a school's address, for people holding one of `roles` in that school."""
    return audience("school", roles)


def district_roles(*roles, hidden=False):
    """At the portal address, for district staff holding one of `roles`."""
    return audience("portal", roles, hidden=hidden)


def parent_required(view):
    return audience("portal", {Role.PARENT})(view)


def api_audience(where, read, write=None):
    """The same declaration for the API: a DRF permission class carrying its audience."""
    declared = Audience(where, read, write)

    class Declared(BasePermission):
        audience = declared

        def has_permission(self, request, view):
            return declared.admits(request)

    Declared.__name__ = f"Audience_{where}_{'_'.join(sorted(map(str, declared.read)))[:60]}"
    return Declared


class NoDeclaredAudience(BasePermission):
    """The API's default: a view that declares no audience serves nobody."""

    def has_permission(self, request, view):
        return False
