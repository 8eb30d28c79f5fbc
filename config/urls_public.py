"""The base domain: the parents' portal and the district console. Public schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from journal import api as journal_api
from journal import views as journal_views
from tenants import api as tenants_api
from tenants import views as tenants_views

from .urls_common import urlpatterns as common

urlpatterns = common + [
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="api_schema"),
    path("", journal_views.portal_home, name="home"),
    path("district/", tenants_views.school_list, name="district"),
    path("district/schools/new/", tenants_views.school_create, name="school_create"),
    path("district/schools/<slug:slug>/", tenants_views.school_detail, name="school_detail"),
    path("district/schools/<slug:slug>/status/", tenants_views.school_status, name="school_status"),
    path("district/schools/<slug:slug>/invite-admin/", tenants_views.school_admin_invite, name="school_admin_invite"),
    path("api/v1/children/", journal_api.Children.as_view(), name="api_children"),
    path("api/v1/schools/", tenants_api.SchoolList.as_view(), name="api_schools"),
]
