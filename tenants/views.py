"""The district console: the district operator creates and suspends schools;
district officials read. Public schema only: the console sees numbers, never pupils."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import district_roles
from accounts.models import Role
from audit.models import AuditEntry
from groundwork.addresses import client_ip, host_url
from groundwork.errors import add_form_errors, explain
from groundwork.pages import page_of

from . import console, services
from .forms import AdminInvitationForm, SchoolForm, SmsLimitForm, StatusForm
from .models import School
from .selectors import schools_for_console

DISTRICT = (Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)


@district_roles(*DISTRICT)
def school_list(request):
    status = request.GET.get("status") if request.GET.get("status") in School.Status.values else None
    return render(
        request,
        "tenants/school_list.html",
        {
            "schools": page_of(request, schools_for_console(status).order_by("short_name", "pk")),
            "status": status,
            "statuses": School.Status.choices,
            "can_manage": Role.DISTRICT_OPERATOR in request.roles,
        },
    )


@district_roles(Role.DISTRICT_OPERATOR)
def school_create(request):
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.create_school(**form.cleaned_data, by=request.user, ip=client_ip(request))
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                _("Школа «%(short_name)s» создана: %(host)s") % {"short_name": school.short_name, "host": school.host},
            )
            return redirect("school_detail", slug=school.slug)
    return render(request, "tenants/school_create.html", {"form": form})


@district_roles(*DISTRICT)
def school_detail(request, slug):
    school = get_object_or_404(schools_for_console(), slug=slug)
    history = AuditEntry.objects.filter(target_type="tenants.school", target_id=school.pk).select_related("actor")
    return render(
        request,
        "tenants/school_detail.html",
        {
            "school": school,
            "history": history,
            "url": host_url(school.host),
            "status_form": StatusForm(),
            "admin_form": AdminInvitationForm(),
            "sms_form": SmsLimitForm(initial={"limit": school.sms_monthly_limit}),
            "can_manage": Role.DISTRICT_OPERATOR in request.roles,
            "warnings": console.warnings_of(school),
        },
    )


@require_POST
@district_roles(Role.DISTRICT_OPERATOR)
def school_status(request, slug):
    school = get_object_or_404(schools_for_console(), slug=slug)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Выберите состояние и укажите причину."))
        services.change_status(
            school,
            form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, _("Состояние школы изменено."))
    return redirect("school_detail", slug=slug)


@require_POST
@district_roles(Role.DISTRICT_OPERATOR)
def school_sms_limit(request, slug):
    school = get_object_or_404(schools_for_console(), slug=slug)
    form = SmsLimitForm(request.POST)
    if form.is_valid():
        services.set_sms_limit(school, form.cleaned_data["limit"], by=request.user, ip=client_ip(request))
        messages.success(request, _("Лимит SMS изменён."))
    else:
        messages.error(request, _("Лимит SMS — целое число от 0 до 1 000 000."))
    return redirect("school_detail", slug=slug)


@require_POST
@district_roles(Role.DISTRICT_OPERATOR)
def school_admin_invite(request, slug):
    """A new school has nobody to hand out staff credentials yet: the district invites its admin."""
    school = get_object_or_404(schools_for_console(), slug=slug)
    form = AdminInvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите ФИО администратора ЭЖ."))
        return redirect("school_detail", slug=slug)
    try:
        invitation, code = account_services.issue_invitation(
            school=school,
            role=Role.SCHOOL_ADMIN,
            by=request.user,
            ip=client_ip(request),
            full_name=form.cleaned_data["full_name"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
        return redirect("school_detail", slug=slug)
    return render(
        request,
        "accounts/invitation_slip.html",
        {
            "invitation": invitation,
            "code": code,
            "link": host_url(school.host, f"/invite/{code}/"),
        },
    )
