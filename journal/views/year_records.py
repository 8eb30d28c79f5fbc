"""The records of the school year: term and year reports, the paper copies of the journal and
their register, the year turning over, the electronic archive."""

import io
import zipfile

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import school_roles
from accounts.models import Role
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import object_id, posted_id
from groundwork.days import day_from
from groundwork.errors import explain
from groundwork.spreadsheets import XLSX
from tenants.backup import stored_files

from .. import documents, rulebook, selectors, services
from ..access import access_class_to_print_reports
from ..archive import KIND_NAMES
from ..models import AcademicYear, ArchiveExport, PrintedCopy, Pupil, SchoolClass, Term
from ..tasks import export_year_archive

HEADS = (Role.DEPUTY, Role.DIRECTOR)


def _year(request):
    years = list(AcademicYear.objects.order_by("-starts_on"))
    chosen = next((y for y in years if str(y.pk) == request.GET.get("year")), None)
    return years, chosen or selectors.current_year()


@school_roles(*rulebook.READERS)
def progress(request):
    """Успеваемость, качество знаний and absences at the end of a term or the year: a class (its
    class teacher and the heads), a grade or the school (the heads); page, PDF and XLSX."""
    years, year = _year(request)
    if year is None:
        raise Http404
    if request.GET.get("class"):
        school_class = access_class_to_print_reports(request, request.GET["class"])
        classes, scope = [school_class], _("%(school_class)s класс") % {"school_class": school_class}
    elif not request.roles & rulebook.READ_ALL:
        raise Http404
    elif request.GET.get("grade"):
        grade = object_id(request.GET["grade"])
        classes, scope = (
            list(SchoolClass.objects.filter(year=year, grade=grade)),
            _("%(grade)s-е классы") % {"grade": grade},
        )
    else:
        classes, scope = list(SchoolClass.objects.filter(year=year)), _("школа")
    terms = list(Term.objects.filter(year=year).order_by("starts_on", "scheme"))
    term = next((t for t in terms if str(t.pk) == request.GET.get("period")), None)
    period = (
        f"{term} ({term.starts_on:%d.%m}–{term.ends_on:%d.%m.%Y})"
        if term
        else _("%(year)s учебный год") % {"year": year}
    )
    report = selectors.progress_report(classes, year, term)
    named = [
        e["pupil"]
        for r in report["classes"]
        for key in ("excellent", "good", "one_three", "failing", "not_attested")
        for e in r[key]
    ]
    named += [e["pupil"] for r in report["classes"] for e in r["exam_debts"]]
    log_view(request, named + [pupil for r in report["classes"] for pupil, _lessons in r["absences"]["pupils"]])
    kind = request.GET.get("format")
    if kind == "xlsx":
        response = HttpResponse(documents.progress_xlsx(scope, period, report), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="progress.xlsx"'
        return response
    if kind == "pdf":
        try:
            pdf = documents.progress_pdf(request.school, scope, period, report, author=request.user.short_name)
        except ImproperlyConfigured as error:
            return render(request, "read_only.html", {"message": str(error)}, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="progress.pdf"'
        return response
    return render(
        request,
        "journal/progress.html",
        {
            "report": report,
            "rows": documents.progress_table(report, total=_("Итого")),
            "head": [_(heading) for heading in documents.PROGRESS_HEAD],
            "scope": scope,
            "period": period,
            "years": years,
            "year": year,
            "terms": terms,
            "term": term,
            "classes": SchoolClass.objects.filter(year=year) if request.roles & rulebook.READ_ALL else [],
            "grades": sorted({c.grade for c in SchoolClass.objects.filter(year=year)}),
            "query": request.GET.urlencode(),
        },
    )


@school_roles(*HEADS)
def journal_copies(request):
    """The register of paper copies of the journal; print a class's copy of a finished term."""
    years, year = _year(request)
    if request.method == "POST":
        school_class = SchoolClass.objects.filter(pk=posted_id(request.POST.get("school_class"))).first()
        term = Term.objects.filter(pk=posted_id(request.POST.get("term"))).first()
        try:
            if school_class is None or term is None:
                raise ValidationError(_("Выберите класс и период."))
            copy = services.print_journal_copy(
                request.school, school_class=school_class, term=term, by=request.user, ip=client_ip(request)
            )
        except ImproperlyConfigured as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(
                request,
                _("Копия № %(number)s внесена в реестр: %(pages)s стр. Скачайте и распечатайте её.")
                % {"number": copy.number, "pages": copy.pages},
            )
        return redirect(f"{request.path}?year={year.pk if year else ''}")
    copies = PrintedCopy.objects.filter(year=year).select_related("school_class", "term", "printed_by", "certified_by")
    return render(
        request,
        "journal/journal_copies.html",
        {
            "copies": copies,
            "years": years,
            "year": year,
            "classes": SchoolClass.objects.filter(year=year),
            "terms": Term.objects.filter(year=year).order_by("starts_on", "scheme"),
        },
    )


def _copy(copy_id):
    copy = PrintedCopy.objects.filter(pk=object_id(copy_id)).first()
    if copy is None:
        raise Http404
    return copy


@school_roles(*HEADS)
def journal_copy_file(request, copy_id):
    copy = _copy(copy_id)
    log_view(request, Pupil.objects.listed_in(copy.school_class).values_list("pk", flat=True))
    return FileResponse(
        default_storage.open(copy.file.name), as_attachment=True, filename=f"journal-copy-{copy.number}.pdf"
    )


@require_POST
@school_roles(Role.DEPUTY)
def journal_copy_certify(request, copy_id):
    copy = _copy(copy_id)
    try:
        services.certify_journal_copy(copy, by=request.user, ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(
            request, _("Копия № %(number)s отмечена как проверенная и заверенная.") % {"number": copy.number}
        )
    return redirect(f"/journal-copies/?year={copy.year_id}")


@school_roles(*HEADS)
def year_end(request):
    """The year turning over: each class's pupils and where they go; the deputy marks who is kept
    down and who leaves after the 9th, gives the order and confirms."""
    open_years = list(AcademicYear.objects.filter(closed_at__isnull=True).order_by("starts_on"))
    year = open_years[0] if open_years else None
    next_years = open_years[1:]
    stays = {posted_id(v) for v in request.POST.getlist("stays")}
    leaves = {posted_id(v) for v in request.POST.getlist("leaves")}
    if request.method == "POST":
        if Role.DEPUTY not in request.roles:
            return render(request, "forbidden.html", status=403)
        next_year = next((y for y in next_years if str(y.pk) == request.POST.get("next_year")), None)
        try:
            if year is None or next_year is None:
                raise ValidationError(_("Создайте следующий учебный год (раздел «Настройка») и выберите его."))
            counts = services.turn_over_year(
                year=year,
                next_year=next_year,
                stays=stays,
                leaves=leaves,
                order_number=request.POST.get("order_number"),
                order_date=day_from(request.POST.get("order_date")),
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(
                request,
                _(
                    "Учебный год %(year)s завершён: переведены %(value)s, оставлены на повторное обучение %(value2)s, окончили обучение %(value3)s."
                )
                % {
                    "year": year,
                    "value": counts["promoted"],
                    "value2": counts["repeated"],
                    "value3": counts["graduated"],
                },
            )
            return redirect("class_list")
    plan = services.year_end_plan(year, stays=stays, leaves=leaves) if year else []
    log_view(request, [pupil for pupil, *_rest in plan])
    return render(
        request,
        "journal/year_end.html",
        {"year": year, "next_years": next_years, "plan": plan, "can_write": Role.DEPUTY in request.roles},
    )


@school_roles(*HEADS)
def archives(request):
    """The year's electronic archive: made in the background on the deputy's button, listed here
    with its manifest hash, places and retention; the files as one ZIP."""
    years, year = _year(request)
    if request.method == "POST":
        if Role.DEPUTY not in request.roles:
            return render(request, "forbidden.html", status=403)
        chosen = next((y for y in years if str(y.pk) == request.POST.get("year")), None)
        if chosen is None:
            messages.error(request, _("Выберите учебный год."))
        elif chosen.ends_on >= timezone.localdate() and not request.POST.get("running"):
            messages.error(
                request,
                _(
                    "Учебный год %(chosen)s ещё идёт (до %(ends_on)s): архив будет неполным. Если он нужен сейчас, отметьте «Год ещё идёт — сформировать архив на сегодня»."
                )
                % {"chosen": chosen, "ends_on": format(chosen.ends_on, "%d.%m.%Y")},
            )
        else:
            export_year_archive.delay(chosen.pk, request.user.pk, client_ip(request))
            messages.success(
                request,
                _("Архив за %(chosen)s формируется; обновите страницу через минуту — он появится в списке.")
                % {"chosen": chosen},
            )
        return redirect("archives")
    exports = list(ArchiveExport.objects.select_related("year", "created_by"))
    for export in exports:  # what to keep until when, in words; where it is, without paths
        export.retention = [
            (KIND_NAMES.get(kind, kind), day_from(day)) for kind, day in sorted(export.retain_until.items())
        ]
    return render(
        request,
        "journal/archives.html",
        {"exports": exports, "years": years, "year": year, "today": timezone.localdate()},
    )


@school_roles(*HEADS)
def archive_zip(request, export_id):
    export = ArchiveExport.objects.filter(pk=object_id(export_id)).first()
    if export is None:
        raise Http404
    prefix = export.targets[0].removeprefix("storage:")
    in_year = Q(school_class__year=export.year_id) | Q(movements__from_class__year=export.year_id)
    log_view(request, Pupil.objects.filter(in_year).values_list("pk", flat=True).distinct())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(stored_files(prefix)):
            with default_storage.open(name) as stored:
                archive.writestr(name[len(prefix) + 1 :], stored.read())
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"{prefix.rsplit('/', 1)[-1]}.zip")
