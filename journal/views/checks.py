"""The deputy's check of a journal: the checks of a class × subject with a new one, and a check's
page where the teacher marks remarks fixed and the deputy confirms or returns them."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import school_roles
from accounts.models import Role
from groundwork.addresses import client_ip
from groundwork.api import object_id, posted_id
from groundwork.days import day_from
from groundwork.errors import explain

from .. import documents, rulebook, selectors, services
from ..access import access_journal_to_read
from ..models import JournalCheck

REMARK_ROWS = 5


@school_roles(*rulebook.READ_ALL)
def journal_checks(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = school_class.year or selectors.current_year()
    terms = list(selectors.terms_of(school_class, year)) if year else []
    can_check = Role.DEPUTY in request.roles
    if request.method == "POST":
        if not can_check:
            raise PermissionDenied
        term = next((t for t in terms if t.pk == posted_id(request.POST.get("term"))), None)
        remarks = []
        for n in range(REMARK_ROWS):
            typed = (request.POST.get(f"text_{n}") or "").strip()
            if typed:
                remarks.append((typed, day_from(request.POST.get(f"due_{n}"))))
        try:
            if term is None:
                raise ValidationError({"term": _("Выберите учебный период.")})
            check = services.check_journal(
                school=request.school,
                school_class=school_class,
                subject=subject,
                term=term,
                summary=request.POST.get("summary"),
                remarks=remarks,
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, explain(error))
            return redirect("journal_checks", class_id=school_class.pk, subject_id=subject.pk)
        messages.success(request, _("Проверка записана; учитель получил замечания."))
        return redirect("journal_check", check_id=check.pk)
    checks = JournalCheck.objects.filter(school_class=school_class, subject=subject).select_related(
        "term", "checked_by"
    )
    return render(
        request,
        "journal/journal_checks.html",
        {
            "school_class": school_class,
            "subject": subject,
            "terms": terms,
            "checks": checks,
            "can_check": can_check,
            "rows": range(REMARK_ROWS),
        },
    )


def _check_for(request, check_id):
    """The check for the heads, or for a teacher one of its remarks is addressed to; the same
    404 otherwise."""
    check = (
        JournalCheck.objects.select_related("school_class", "subject", "term", "checked_by")
        .filter(pk=object_id(check_id))
        .first()
    )
    if check is None or not (request.roles & rulebook.READ_ALL or check.remarks.filter(teacher=request.user).exists()):
        raise Http404
    return check


@school_roles(*rulebook.READ_ALL, *rulebook.TEACHING)
def journal_check(request, check_id):
    check = _check_for(request, check_id)
    remarks = list(check.remarks.select_related("teacher"))
    if request.method == "POST":
        remark = next((r for r in remarks if r.pk == posted_id(request.POST.get("remark"))), None)
        if remark is None:
            raise Http404
        action, ip = request.POST.get("action"), client_ip(request)
        try:
            if action == "fixed":
                services.mark_fixed(remark, answer=request.POST.get("answer"), by=request.user, ip=ip)
                messages.success(request, _("Отмечено исправленным; заместитель директора проверит."))
            elif action in ("confirm", "return"):
                services.settle_remark(
                    remark, confirmed=action == "confirm", reason=request.POST.get("reason"), by=request.user, ip=ip
                )
                messages.success(
                    request, _("Исправление подтверждено.") if action == "confirm" else _("Замечание возвращено.")
                )
            else:
                raise ValidationError(_("Выберите действие."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        return redirect("journal_check", check_id=check.pk)
    if request.GET.get("format") == "pdf":
        try:
            pdf = documents.check_pdf(request.school, check, remarks)
        except ImproperlyConfigured as error:  # no Cyrillic font on the server
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="check-{check.pk}.pdf"'
        return response
    return render(
        request,
        "journal/journal_check.html",
        {
            "check": check,
            "remarks": remarks,
            "today": timezone.localdate(),
            "is_checker": request.user.pk == check.checked_by_id,
        },
    )
