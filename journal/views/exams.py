"""Промежуточная аттестация and exams of a class × subject journal, and the exam sheet
(экзаменационная ведомость) where the teacher enters results and retakes."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import school_roles
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.days import day_from
from groundwork.errors import explain

from .. import documents, rulebook, selectors, services
from ..access import access_exam_to_read, access_exam_to_write, access_journal_to_read
from ..models import Exam, ExamValue


@school_roles(*rulebook.READERS)
def exams(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    can_schedule = rulebook.can_schedule_exam(request.user, request.roles, school_class, subject)
    if request.method == "POST":
        if not can_schedule:
            raise Http404
        try:
            exam = services.schedule_exam(
                school=request.school,
                school_class=school_class,
                subject=subject,
                kind=request.POST.get("kind"),
                form=request.POST.get("form"),
                held_on=day_from(request.POST.get("held_on")),
                by=request.user,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
            return redirect("exams", class_id=school_class.pk, subject_id=subject.pk)
        messages.success(request, _("Назначено: %(exam)s.") % {"exam": exam})
        return redirect("exam", exam_id=exam.pk)
    found = Exam.objects.filter(school_class=school_class, subject=subject).select_related("created_by")
    return render(
        request,
        "journal/exams.html",
        {
            "school_class": school_class,
            "subject": subject,
            "exams": found,
            "can_schedule": can_schedule,
            "kinds": Exam.Kind.choices,
            "forms": Exam.Form.choices,
        },
    )


@school_roles(*rulebook.READERS)
def exam_page(request, exam_id):
    exam = access_exam_to_read(request, exam_id)
    can_enter = rulebook.can_enter_exam_results(request.user, request.roles, exam.school_class, exam.subject)
    if request.method == "POST":
        return _post(request, exam_id)
    sheet = selectors.exam_sheet(exam)
    log_view(request, [row["pupil"] for row in sheet["rows"]], "journal.exam_sheet")
    kind = request.GET.get("format")
    if kind in ("pdf", "xlsx"):
        try:
            content = (
                documents.exam_sheet_pdf(request.school, exam, sheet, author=request.user.short_name)
                if kind == "pdf"
                else documents.exam_sheet_xlsx(request.school, exam, sheet)
            )
        except ImproperlyConfigured as error:  # no Cyrillic font on the server
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(content, content_type=documents.CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="exam-{exam.pk}.{kind}"'
        return response
    return render(
        request,
        "journal/exam.html",
        {
            "exam": exam,
            "sheet": sheet,
            "can_enter": can_enter and not exam.cancelled_at and not exam.year.closed_at,
            # An exam is cancelled only before any result (services.cancel_exam refuses after).
            "can_cancel": rulebook.can_schedule_exam(request.user, request.roles, exam.school_class, exam.subject)
            and not any(row["result"] for row in sheet["rows"]),
            "values": ExamValue.choices,
            "today": timezone.localdate(),
            "retakes": _retakes(sheet),
        },
    )


def _retakes(sheet):
    """The pupils due a retake, by the attempt it will be: {2: [rows], 3: [rows]}."""
    due = {}
    for row in sheet["rows"]:
        if row["retake_due"]:
            due.setdefault(row["result"].attempt + 1, []).append(row)
    return due


def _post(request, exam_id):
    ip = client_ip(request)
    try:
        if request.POST.get("action") == "cancel":
            exam = access_exam_to_read(request, exam_id)
            if not rulebook.can_schedule_exam(request.user, request.roles, exam.school_class, exam.subject):
                raise Http404
            services.cancel_exam(exam, reason=request.POST.get("reason"), by=request.user, school=request.school, ip=ip)
            messages.success(request, _("Аттестация отменена."))
            return redirect("exam", exam_id=exam.pk)
        exam = access_exam_to_write(request, exam_id)
        attempt = {"1": 1, "2": 2, "3": 3}.get(request.POST.get("attempt") or "1", 0)
        pupils = {p.pk: p for p in exam.sitting()}
        results = [(pupils[pk], request.POST.get(f"value_{pk}", "")) for pk in pupils]
        changed = services.set_exam_results(
            exam, results, attempt=attempt, held_on=day_from(request.POST.get("held_on")), by=request.user, ip=ip
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    else:
        messages.success(
            request, _("Результаты сохранены: %(changed)s. Семьи получили уведомления.") % {"changed": changed}
        )
    return redirect("exam", exam_id=exam_id)
