"""Routes that every address has: signing in, invitations, the API schema, language, help."""

from django.urls import path
from django.views.i18n import set_language

from accounts import api as accounts_api
from accounts import views as accounts_views
from accounts.access import ANYONE, api_audience, public, signed_in
from groundwork.low_vision import switch as low_vision
from groundwork.pwa import service_worker
from guide import views as guide_views

OPEN = api_audience("any", {ANYONE})  # the API's schema: what the API is, not what it holds

urlpatterns = [
    path("login/", accounts_views.login_view, name="login"),
    path("logout/", accounts_views.logout_view, name="logout"),
    path("login/handoff/", accounts_views.handoff, name="handoff"),
    path("login/forgot/", accounts_views.password_forgot, name="password_forgot"),
    path("login/reset/<str:uidb64>/<str:token>/", accounts_views.password_reset, name="password_reset"),
    path("login/code/", accounts_views.password_code, name="password_code"),
    path("login/outside/<slug:key>/", accounts_views.outside_start, name="outside_start"),
    path("login/outside/<slug:key>/done/", accounts_views.outside_done, name="outside_done"),
    path("login/outside-link/", accounts_views.outside_link, name="outside_link"),
    path("switch/<slug:key>/", accounts_views.switch, name="switch"),
    path("invite/", accounts_views.invitation_enter, name="invitation_enter"),
    path("invite/<str:code>/", accounts_views.invitation_accept, name="invitation"),
    path("account/", accounts_views.account, name="account"),
    path("account/2fa/", accounts_views.two_factor_page, name="two_factor"),
    path("account/password/", signed_in(accounts_views.PasswordChange.as_view()), name="password_change"),
    path("api/v1/me/", accounts_api.me, name="api_me"),
    path("api/v1/push-subscriptions/", accounts_api.push_subscriptions, name="api_push_subscriptions"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("sw.js", public(service_worker), name="service_worker"),
    path("low-vision/", public(low_vision), name="low_vision"),
    path("help/", guide_views.index, name="help"),
    path("help/ask/", guide_views.ask, name="help_ask"),
    path("help/<slug:slug>/", guide_views.page, name="help_page"),
]
