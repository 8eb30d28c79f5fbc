"""Статистика успеваемости: a term's figures by journal, subject and teacher for whoever may read
those journals, with the pupils of one journal; page, PDF and XLSX."""

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import school_roles
from audit.models import log_view

from .. import documents, rulebook, selectors
from ..models import Term


def chosen_term(request, year):
    """The term asked for, else the latest one begun."""
    terms = list(Term.objects.filter(year=year).order_by("starts_on", "scheme")) if year else []
    today = timezone.localdate()
    term = next((t for t in terms if str(t.pk) == request.GET.get("period")), None)
    return terms, term or next((t for t in reversed(terms) if t.starts_on <= today), terms[0] if terms else None)


@school_roles(*rulebook.READERS)
def statistics(request):
    terms, term = chosen_term(request, selectors.current_year())
    if term is None:
        raise Http404
    report = selectors.subject_statistics(term, request.user, request.roles)
    pupils = None
    if request.GET.get("journal"):
        found = next((r for r in report["journals"] if _key(r) == request.GET["journal"]), None)
        if found is None:
            raise Http404
        pupils = report["marks"][(found["school_class"].pk, found["subject"].pk)]
        log_view(request, [p for p, *_ in pupils], "journal.statistics")
        pupils = {"journal": found, "rows": pupils}
    kind = request.GET.get("format")
    if kind in ("pdf", "xlsx"):
        try:
            content = (
                documents.statistics_pdf(request.school, report, pupils, author=request.user.short_name)
                if kind == "pdf"
                else documents.statistics_xlsx(request.school, report, pupils)
            )
        except ImproperlyConfigured as error:
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(content, content_type=documents.CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="statistics-{term.pk}.{kind}"'
        return response
    for row in report["journals"]:
        row["key"] = _key(row)
    return render(
        request,
        "journal/statistics.html",
        {"report": report, "total": [report["total"]], "terms": terms, "term": term, "pupils": pupils},
    )


def _key(row):
    return f"{row['school_class'].pk}-{row['subject'].pk}"
