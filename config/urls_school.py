"""A school's own address: <slug>.<BASE_DOMAIN>. The school's schema is active."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts import views as accounts_views
from journal import api as journal_api
from journal import views as journal_views

from .urls_common import urlpatterns as common

urlpatterns = common + [
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_school"), name="api_schema"),
    path("", journal_views.home, name="home"),
    path("staff/", accounts_views.staff_list, name="staff"),
    path("staff/invite/", accounts_views.staff_invite, name="staff_invite"),
    path("staff/<int:membership_id>/end/", accounts_views.staff_end, name="staff_end"),
    path("invitations/<int:invitation_id>/revoke/", accounts_views.invitation_revoke, name="invitation_revoke"),
    path("classes/", journal_views.class_list, name="class_list"),
    path("classes/<int:class_id>/", journal_views.class_detail, name="class_detail"),
    path("classes/<int:class_id>/pupils/<int:pupil_id>/invite/", journal_views.family_invite, name="family_invite"),
    path("api/v1/classes/", journal_api.ClassList.as_view(), name="api_classes"),
    path("api/v1/classes/<int:class_id>/pupils/", journal_api.ClassPupils.as_view(), name="api_class_pupils"),
]
