"""Выполнение программы: a journal's hours term by term with the teacher's note and the subject's
рабочая программа; the school's report of a term (page, PDF, XLSX)."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import school_roles
from groundwork.addresses import client_ip
from groundwork.api import object_id, posted_id
from groundwork.errors import explain

from .. import documents, rulebook, selectors, services
from ..access import access_journal_to_read
from ..models import WorkProgramme
from .statistics import chosen_term


@school_roles(*rulebook.READERS)
def programme_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = school_class.year or selectors.current_year()
    terms = list(selectors.terms_of(school_class, year).order_by("number")) if year else []
    can_note = rulebook.can_write_programme_note(request.user, request.roles, school_class, subject)
    can_upload = rulebook.can_upload_work_programme(request.user, request.roles, school_class, subject)
    if request.method == "POST":
        ip = client_ip(request)
        try:
            if request.FILES.get("file"):
                if not can_upload:
                    raise Http404
                services.upload_work_programme(
                    school=request.school,
                    subject=subject,
                    grade=school_class.grade,
                    year=year,
                    upload=request.FILES["file"],
                    by=request.user,
                    ip=ip,
                )
                messages.success(request, _("Рабочая программа загружена; семьи класса видят её в дневнике."))
            else:
                if not can_note:
                    raise Http404
                term = next((t for t in terms if t.pk == posted_id(request.POST.get("term"))), None)
                if term is None:
                    raise ValidationError({"term": _("Выберите учебный период.")})
                services.write_programme_note(
                    school_class=school_class,
                    subject=subject,
                    term=term,
                    shortfall_reason=request.POST.get("shortfall_reason"),
                    plan_correction=request.POST.get("plan_correction"),
                    by=request.user,
                    ip=ip,
                )
                messages.success(request, _("Пояснение сохранено."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        return redirect("programme", class_id=school_class.pk, subject_id=subject.pk)
    periods = []
    for term in terms:
        found = selectors.programme(term, classes=[school_class], subject=subject)["rows"]
        periods.append((term, found))
    return render(
        request,
        "journal/programme.html",
        {
            "school_class": school_class,
            "subject": subject,
            "periods": periods,
            "can_note": can_note,
            "can_upload": can_upload,
            "work_programme": WorkProgramme.objects.filter(
                subject=subject, grade=school_class.grade, year=year, replaced_at=None
            ).first(),
        },
    )


@school_roles(*rulebook.READERS)
def work_programme_file(request, class_id, subject_id, programme_id):
    """A рабочая программа, after the same check as the journal page that links to it."""
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    found = WorkProgramme.objects.filter(pk=object_id(programme_id), subject=subject, grade=school_class.grade).first()
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@school_roles(*rulebook.READ_ALL)
def programme_report(request):
    """The school's programme of a term or of the year: every journal, its hours and note; the totals."""
    year = selectors.current_year()
    if year is None:
        raise Http404
    terms, term = chosen_term(request, year)
    if request.GET.get("period") == "year":
        report, term = selectors.programme_of_year(year), None
    elif term is None:
        raise Http404
    else:
        report = selectors.programme(term)
    kind = request.GET.get("format")
    if kind in ("pdf", "xlsx"):
        try:
            content = (
                documents.programme_pdf(request.school, report, author=request.user.short_name)
                if kind == "pdf"
                else documents.programme_xlsx(request.school, report)
            )
        except ImproperlyConfigured as error:
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(content, content_type=documents.CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="programme-{term.pk if term else "year"}.{kind}"'
        return response
    return render(
        request, "journal/programme_report.html", {"report": report, "terms": terms, "term": term, "year": year}
    )
