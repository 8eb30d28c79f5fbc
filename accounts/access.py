"""Who may open what. Views are wrapped in these; objects are loaded through access
functions that answer 404 alike for "not yours" and "does not exist"."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .models import Role


def client_ip(request):
    return request.META.get("REMOTE_ADDR")


def _require(check):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request):
                return render(request, "forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def school_roles(*roles):
    """At a school's address, for people holding one of `roles` in that school."""
    return _require(lambda request: request.school is not None and bool(request.roles & set(roles)))


def district_roles(*roles):
    """At the portal address, for district staff holding one of `roles`."""
    return _require(lambda request: request.school is None and bool(request.roles & set(roles)))


def parent_required(view):
    return _require(lambda request: request.school is None and Role.PARENT in request.roles)(view)
