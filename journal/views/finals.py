"""Term and year marks of a class and subject."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import school_roles
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.errors import explain

from .. import documents, rulebook, selectors, services
from ..access import (
    access_class_to_print_reports,
    access_journal_to_read,
    access_journal_to_write,
    access_pupil_of_class,
)
from ..models import (
    AcademicYear,
    FinalValue,
)


@school_roles(*rulebook.READERS)
def final_marks_page(request, class_id, subject_id):
    """The term or year marks of a class in one subject: each pupil's, pre-filled from the
    forecast by the school's rounding rule, checked and changed by the teacher, saved together."""
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = school_class.year or selectors.current_year()
    can_write = rulebook.can_set_final_mark(request.user, request.roles, school_class, subject)
    terms = list(selectors.terms_of(school_class, year)) if year else []
    period = request.GET.get("period") or request.POST.get("period") or "year"
    term = next((t for t in terms if str(t.pk) == period), None)
    if request.method == "POST":
        access_journal_to_write(request, class_id, subject_id)
        if "pupil" in request.POST:  # one pupil's year mark
            pupil = access_pupil_of_class(request, school_class, request.POST.get("pupil") or 0)
            marks = [(pupil, request.POST.get("value", ""))]
        else:
            marks = [(p, request.POST.get(f"value_{p.pk}", "")) for p in school_class.pupils.enrolled()]
        try:
            with transaction.atomic():
                changed = services.set_final_marks(
                    marks, subject=subject, year=year, term=term, by=request.user, ip=client_ip(request)
                )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Итоговые отметки сохранены: %(changed)s.") % {"changed": changed})
        return redirect(f"{reverse('final_marks', args=[class_id, subject_id])}?period={term.pk if term else 'year'}")
    sheet = selectors.final_sheet(school_class, subject, year)
    if term is not None:  # the term's forecast from its marks, as in the journal grid
        grid = {row["pupil"].pk: row for row in selectors.journal_grid(school_class, subject, term)["rows"]}
        for row in sheet["rows"]:
            found = grid.get(row["pupil"].pk, {})
            row["suggested"], row["set"] = found.get("suggested"), found.get("final")
    else:
        for row in sheet["rows"]:
            row["set"] = row["year"]
    log_view(request, [row["pupil"] for row in sheet["rows"]])
    return render(
        request,
        "journal/final_marks.html",
        {
            "school_class": school_class,
            "subject": subject,
            "year": year,
            "term": term,
            "periods": terms,
            "can_write": can_write,
            "mark_values": FinalValue.choices,
            **sheet,
        },
    )


@school_roles(*rulebook.READERS)
def summary_sheet(request, class_id, kind="page"):
    """Сводная ведомость of a class for a school year: the page, or the A4 landscape PDF."""
    school_class = access_class_to_print_reports(request, class_id)
    years = list(AcademicYear.objects.order_by("-starts_on"))
    year = (
        next((y for y in years if str(y.pk) == request.GET.get("year")), None)
        or school_class.year
        or selectors.current_year()
    )
    if year is None:
        raise Http404
    sheet = selectors.summary_sheet(school_class, year)
    log_view(request, [row["pupil"] for row in sheet["rows"]])
    if kind == "pdf":
        try:
            pdf = documents.summary_sheet_pdf(request.school, school_class, year, sheet)
        except ImproperlyConfigured as error:  # no Cyrillic font on the server
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"svodnaya-{school_class.grade}-{year.name.replace('/', '-')}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "journal/summary_sheet.html",
        {"school_class": school_class, "year": year, "years": years, **sheet},
    )
