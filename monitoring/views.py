from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.access import client_ip, district_roles, school_roles
from accounts.models import Role
from audit.models import record
from config.errors import explain
from tenants.models import School

from . import reports
from .indicators import compute, held_lessons, month_bounds
from .tasks import update_school_month
from .models import DEFAULTS, LOWER_IS_BETTER, NAMES, MonthlyReport, SchoolMonth, Threshold, figure, thresholds

CODES = list(NAMES)


def _month(request, school=None):
    """The month asked for (?month=YYYY-MM), or an error message in the user's words."""
    today = timezone.localdate()
    try:
        month = date.fromisoformat((request.GET.get("month") or today.strftime("%Y-%m")) + "-01")
    except ValueError:
        return None, "Месяц указывается как ГГГГ-ММ, например 2026-11."
    if month > today.replace(day=1):
        return None, "Отчёт за будущий месяц построить нельзя."
    if school is not None and month < timezone.localtime(school.created_at).date().replace(day=1):
        return None, f"Школа подключена {timezone.localtime(school.created_at):%d.%m.%Y}: за более ранние месяцы данных нет."
    return month, ""


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district(request):
    month, error = _month(request)
    limits = thresholds()
    rows, totals = [], []
    if month:
        figures = {}
        for f in SchoolMonth.objects.filter(month=month):
            figures[(f.school_id, f.code)] = f
        for school in School.objects.exclude(schema_name="public").exclude(status=School.Status.ARCHIVED):
            rows.append({"school": school, "cells": [
                figure(code, figures[(school.pk, code)].numerator, figures[(school.pk, code)].denominator, limits)
                if (school.pk, code) in figures else {"code": code} for code in CODES]})
        sums = {r["code"]: r for r in SchoolMonth.objects.filter(month=month).values("code")
                .annotate(n=Sum("numerator"), d=Sum("denominator"))}
        totals = [figure(code, sums[code]["n"], sums[code]["d"], limits) if code in sums else {"code": code}
                  for code in CODES]
    return render(request, "monitoring/district.html", {"month": month, "error": error, "rows": rows,
                                                        "totals": totals, "names": NAMES})


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_school(request, slug):
    """One school's aggregates over the months: the trend, numbers only."""
    school = get_object_or_404(School.objects.exclude(schema_name="public"), slug=slug)
    limits = thresholds()
    months = {}
    for f in SchoolMonth.objects.filter(school=school).order_by("-month"):
        months.setdefault(f.month, {})[f.code] = figure(f.code, f.numerator, f.denominator, limits)
    table = [(month, [cells.get(code, {"code": code}) for code in CODES]) for month, cells in list(months.items())[:12]]
    return render(request, "monitoring/district_school.html", {"school": school, "table": table, "names": NAMES})


def _breakdown(held, field, label, limits):
    """Q1, Q2, Q4 and Q5-style counts of the month's lessons grouped by teacher, class or subject,
    in one query."""
    rows = (held.order_by().values(field).annotate(
        total=Count("id"), topic=Count("id", filter=~Q(topic="")),
        homework=Count("id", filter=Q(homework_none=True) | ~Q(homework="")),
        attendance=Count("id", filter=Q(attendance_taken_at__isnull=False))))
    examples = {getattr(lesson, f"{field}_id"): lesson for lesson in
                held.select_related(field).order_by(f"{field}_id", "date").distinct(f"{field}_id")}
    return sorted(({"name": label(examples[row[field]]), "total": row["total"],
                    "cells": [figure("Q1", row["topic"], row["total"], limits),
                              figure("Q2", row["homework"], row["total"], limits),
                              figure("Q4", row["attendance"], row["total"], limits)]} for row in rows),
                  key=lambda row: row["name"])


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school(request):
    """The school's own control page: the same figures as the district's row, computed here, with
    the drill-down by teacher and the lessons behind the red figures. POST reports them to the
    district at once instead of waiting for the night."""
    month, error = _month(request, request.school)
    if request.method == "POST" and month:
        update_school_month(month.isoformat())
        messages.success(request, "Показатели пересчитаны и переданы в управление образования.")
        return redirect(f"{request.path}?month={month:%Y-%m}")
    context = {"month": month, "error": error, "names": NAMES}
    if month:
        limits = thresholds()
        today = timezone.localdate()
        figures = compute(month, today=today)
        context["cells"] = [figure(code, *figures[code], limits) for code in CODES]
        first, last = month_bounds(month)
        held = held_lessons(first, last, today)
        context["breakdowns"] = [(title, _breakdown(held, field, label, limits)) for title, field, label in (
            ("По учителям", "teacher", lambda lesson: lesson.teacher.full_name),
            ("По классам", "school_class", lambda lesson: str(lesson.school_class)),
            ("По предметам", "subject", lambda lesson: lesson.subject.name))]
        context["missing"] = (held.filter(Q(topic="") | Q(attendance_taken_at__isnull=True)
                                          | Q(homework="", homework_none=False))
                              .select_related("school_class", "subject", "teacher").order_by("date", "number")[:300])
    return render(request, "monitoring/school.html", context)


@district_roles(Role.DISTRICT_OFFICIAL)
def threshold_page(request):
    """District officials set the traffic-light limits; reports made after a change use it."""
    limits = thresholds()
    if request.method == "POST":
        try:
            code = request.POST.get("code", "")
            if code not in DEFAULTS:
                raise ValidationError("Неизвестный показатель.")
            green, amber = Decimal(request.POST.get("green", "")), Decimal(request.POST.get("amber", ""))
            if not (0 <= green <= 100 and 0 <= amber <= 100):
                raise ValidationError("Пороги — проценты от 0 до 100.")
            if (code in LOWER_IS_BETTER and green > amber) or (code not in LOWER_IS_BETTER and green < amber):
                raise ValidationError("Зелёный порог должен быть строже жёлтого.")
        except (ValidationError, InvalidOperation) as error:
            messages.error(request, " ".join(getattr(error, "messages", ["Пороги — числа, например 95 или 97,5."])))
        else:
            old = limits[code]
            threshold, _ = Threshold.objects.update_or_create(code=code, defaults={
                "green": green, "amber": amber, "changed_by": request.user, "changed_at": timezone.now()})
            record("threshold.set", threshold, by=request.user, ip=client_ip(request),
                   old={"green": old[0], "amber": old[1]}, new={"green": green, "amber": amber})
            messages.success(request, f"Пороги {code} сохранены.")
        return redirect("thresholds")
    rows = [{"code": code, "name": NAMES[code], "green": limits[code][0], "amber": limits[code][1],
             "lower": code in LOWER_IS_BETTER} for code in DEFAULTS]
    return render(request, "monitoring/thresholds.html", {"rows": rows})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(report, kind):
    if kind not in ("xlsx", "pdf"):
        raise Http404
    if kind == "xlsx":
        response = HttpResponse(reports.xlsx(report), content_type=XLSX)
    else:
        response = HttpResponse(reports.pdf(report), content_type="application/pdf")
    name = f"monitoring-{report.school.slug if report.school else 'district'}-{report.month:%Y-%m}-v{report.version}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_reports(request):
    if request.method == "POST":
        if Role.DISTRICT_OFFICIAL not in request.roles:
            return render(request, "forbidden.html", status=403)
        try:
            month = date.fromisoformat(request.POST.get("month", "") + "-01")
            reports.make_reports(month, by=request.user, reason=request.POST.get("reason", ""))
        except ValueError:
            messages.error(request, "Месяц указывается как ГГГГ-ММ.")
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, "Отчёт сформирован.")
        return redirect("district_reports")
    return render(request, "monitoring/reports.html", {
        "reports": MonthlyReport.objects.filter(school__isnull=True), "base": "/district/quality/reports/",
        "can_make": Role.DISTRICT_OFFICIAL in request.roles})


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_report_file(request, report_id, kind):
    return _download(get_object_or_404(MonthlyReport, pk=report_id, school__isnull=True), kind)


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school_reports(request):
    return render(request, "monitoring/reports.html", {
        "reports": MonthlyReport.objects.filter(school=request.school), "base": "/quality/reports/"})


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school_report_file(request, report_id, kind):
    return _download(get_object_or_404(MonthlyReport, pk=report_id, school=request.school), kind)
