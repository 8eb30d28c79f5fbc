"""The base domain: the parents' portal and the district console. Public schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from billing import api as billing_api
from billing import views as billing_views
from diary import api as diary_api
from diary import views as diary_views
from monitoring import views as monitoring_views
from tenants import api as tenants_api
from tenants import views as tenants_views

from .urls_common import OPEN
from .urls_common import urlpatterns as common

handler404 = "groundwork.errors.not_found"
handler500 = "groundwork.errors.server_error"

urlpatterns = common + [
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="config.urls_public", permission_classes=[OPEN]),
        name="api_schema",
    ),
    path("", diary_views.portal_home, name="home"),
    path("district/", tenants_views.school_list, name="district"),
    path("district/schools/new/", tenants_views.school_create, name="school_create"),
    path("district/schools/<slug:slug>/", tenants_views.school_detail, name="school_detail"),
    path("district/schools/<slug:slug>/status/", tenants_views.school_status, name="school_status"),
    path("district/schools/<slug:slug>/sms-limit/", tenants_views.school_sms_limit, name="school_sms_limit"),
    path("district/schools/<slug:slug>/invite-admin/", tenants_views.school_admin_invite, name="school_admin_invite"),
    path("api/v1/children/", diary_api.Children.as_view(), name="api_children"),
    path("api/v1/schools/", tenants_api.SchoolList.as_view(), name="api_schools"),
    path("children/<slug:slug>/<int:pupil_id>/", diary_views.child_page, name="child"),
    path("children/<slug:slug>/<int:pupil_id>/marks/", diary_views.child_page, {"page": "marks"}, name="child_marks"),
    path(
        "children/<slug:slug>/<int:pupil_id>/attendance/",
        diary_views.child_page,
        {"page": "attendance"},
        name="child_attendance",
    ),
    path("children/<slug:slug>/<int:pupil_id>/consent/", diary_views.consent_withdraw, name="consent_withdraw"),
    path("children/<slug:slug>/<int:pupil_id>/correction/", diary_views.child_correction, name="child_correction"),
    path("children/<slug:slug>/<int:pupil_id>/views/", diary_views.child_page, {"page": "views"}, name="child_views"),
    path("children/<slug:slug>/<int:pupil_id>/plan/", diary_views.child_page, {"page": "plan"}, name="child_plan"),
    path("children/<slug:slug>/<int:pupil_id>/exams/", diary_views.child_page, {"page": "exams"}, name="child_exams"),
    path("children/<slug:slug>/<int:pupil_id>/years/", diary_views.child_page, {"page": "years"}, name="child_years"),
    path("children/<slug:slug>/<int:pupil_id>/portfolio/", diary_views.child_portfolio, name="child_portfolio"),
    path(
        "children/<slug:slug>/<int:pupil_id>/portfolio/<int:entry_id>/",
        diary_views.child_portfolio_file,
        name="child_portfolio_file",
    ),
    path(
        "children/<slug:slug>/<int:pupil_id>/programmes/<int:programme_id>/",
        diary_views.child_programme,
        name="child_programme",
    ),
    path(
        "children/<slug:slug>/<int:pupil_id>/files/<int:lesson_id>/<int:file_id>/",
        diary_views.child_file,
        name="child_file",
    ),
    path("api/v1/children/<slug:slug>/<int:pupil_id>/week/", diary_api.child_week, name="api_child_week"),
    path("api/v1/children/<slug:slug>/<int:pupil_id>/marks/", diary_api.child_marks, name="api_child_marks"),
    path("notifications/", diary_views.notifications, name="notifications"),
    path("messages/", diary_views.parent_messages, name="messages"),
    path("messages/<slug:slug>/new/<int:pupil_id>/", diary_views.parent_new, name="message_new"),
    path("messages/<slug:slug>/<int:thread_id>/", diary_views.parent_thread, name="thread"),
    path(
        "messages/<slug:slug>/<int:thread_id>/files/<int:message_id>/",
        diary_views.parent_attachment,
        name="message_file",
    ),
    path("api/v1/notifications/", diary_api.notifications, name="api_notifications"),
    path("api/v1/messages/", diary_api.threads, name="api_threads"),
    path("api/v1/messages/<slug:slug>/<int:thread_id>/", diary_api.thread, name="api_thread"),
    path("district/billing/", billing_views.home, name="billing"),
    path("district/billing/payers/new/", billing_views.payer_new, name="billing_payer_new"),
    path("district/billing/payers/<int:payer_id>/", billing_views.payer_detail, name="billing_payer"),
    path(
        "district/billing/contracts/<int:contract_id>/plan/", billing_views.contract_plan, name="billing_contract_plan"
    ),
    path("district/billing/plans/", billing_views.plans, name="billing_plans"),
    path("district/billing/invoices/", billing_views.invoices, name="billing_invoices"),
    path("district/billing/invoices/<int:invoice_id>/", billing_views.invoice_detail, name="billing_invoice"),
    path(
        "district/billing/invoices/<int:invoice_id>.<str:kind>", billing_views.invoice_file, name="billing_invoice_file"
    ),
    path("district/billing/payments/", billing_views.payments, name="billing_payments"),
    path("api/v1/billing/payers/", billing_api.PayerList.as_view(), name="api_billing_payers"),
    path("api/v1/billing/invoices/", billing_api.InvoiceList.as_view(), name="api_billing_invoices"),
    path("api/v1/billing/payments/", billing_api.PaymentList.as_view(), name="api_billing_payments"),
    path("district/quality/", monitoring_views.district, name="quality"),
    path("district/quality/thresholds/", monitoring_views.threshold_page, name="thresholds"),
    path("district/quality/reports/", monitoring_views.district_reports, name="district_reports"),
    path("district/quality/reports/<int:report_id>/", monitoring_views.district_report, name="district_report"),
    path(
        "district/quality/reports/<int:report_id>.<str:kind>",
        monitoring_views.district_report,
        name="district_report_file",
    ),
    path("district/programme/", monitoring_views.district_programme, name="district_programme"),
    path("district/quality/<slug:slug>/", monitoring_views.district_school, name="quality_school"),
    path(
        "district/quality/<slug:slug>/<str:month>/",
        monitoring_views.district_school_month,
        name="quality_school_month",
    ),
]
