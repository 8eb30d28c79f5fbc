"""The version for the visually impaired (large type, high contrast) that Russian state sites are
expected to offer (ГОСТ Р 52872-2019): switched from every page's header, remembered in a cookie
for a year, without a script. Open to anyone (its audience is declared where the URL map names it)."""

from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE = "low_vision"
A_YEAR = 365 * 24 * 3600


def switch(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = HttpResponseRedirect(back)
    if request.COOKIES.get(COOKIE) == "1":
        response.delete_cookie(COOKIE)
    else:
        response.set_cookie(COOKIE, "1", max_age=A_YEAR, secure=request.is_secure(), httponly=True, samesite="Lax")
    return response


def context(request):
    return {"low_vision": request.COOKIES.get(COOKIE) == "1"}
