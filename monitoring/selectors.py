"""Reads behind the district's dashboard: the counts the schools reported, never their journals."""

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast

from accounts.models import User
from journal.models import SchoolClass, Subject
from tenants.models import School

from .indicators import by_class, by_teacher, held_lessons, lesson_figures, month_bounds
from .models import LOWER_IS_BETTER, NAMES, Report, SchoolMonth, figure

CODES = list(NAMES)
SORTS = {"name"} | set(CODES)


def district_schools(month, limits, *, sort="name", descending=False, show="all", search=""):
    """The schools of the quality table for a month, filtered and sorted in SQL, so that a page of
    a region's thousands costs one page (`district_rows` fills in its figures). Sorted by an
    indicator, a school with no figure for it comes last either way; ties go by name."""
    schools = School.objects.exclude(schema_name="public").exclude(status=School.Status.ARCHIVED)
    if search:
        schools = schools.filter(Q(short_name__icontains=search) | Q(name__icontains=search))
    if show in ("red", "amber"):
        schools = schools.filter(Exists(_short_of("amber" if show == "red" else "green", month, limits)))
    if sort not in CODES:
        return schools.order_by(F("short_name").desc() if descending else "short_name", "pk")
    share = (
        SchoolMonth.objects.filter(school=OuterRef("pk"), month=month, code=sort, denominator__gt=0)
        .annotate(share=Cast("numerator", FloatField()) * 100 / F("denominator"))
        .values("share")
    )
    order = F("share").desc(nulls_last=True) if descending else F("share").asc(nulls_last=True)
    return schools.annotate(share=Subquery(share)).order_by(order, "short_name", "pk")


def _short_of(limit, month, limits):
    """The school's figures for the month short of their green (or amber) limit, compared exactly
    as `colour` compares them: numerator × 100 against limit × denominator."""
    short = Q(pk__in=[])
    for code, (green, amber) in limits.items():
        bound = ExpressionWrapper(Value(green if limit == "green" else amber) * F("denominator"), DecimalField())
        beyond = Q(hundredfold__gt=bound) if code in LOWER_IS_BETTER else Q(hundredfold__lt=bound)
        short |= Q(code=code, denominator__gt=0) & beyond
    return (
        SchoolMonth.objects.filter(school=OuterRef("pk"), month=month)
        .annotate(hundredfold=F("numerator") * 100)
        .filter(short)
    )


def district_rows(schools, month, limits):
    """A page of `district_schools` with every indicator's figure and the school's latest
    correction, if any."""
    schools = list(schools)
    stored = {(f.school_id, f.code): f for f in SchoolMonth.objects.filter(month=month, school__in=schools)}
    corrections = {
        r.school_id: r
        for r in Report.objects.filter(kind=Report.Kind.QUALITY, starts_on=month, school__in=schools, version__gt=1)
        .order_by("school_id", "-version")
        .distinct("school_id")
    }
    return [
        {
            "school": school,
            "cells": [
                figure(code, stored[school.pk, code].numerator, stored[school.pk, code].denominator, limits)
                if (school.pk, code) in stored
                else {"code": code}
                for code in CODES
            ],
            "correction": corrections.get(school.pk),
        }
        for school in schools
    ]


def district_totals(month, limits):
    sums = {
        row["code"]: row
        for row in SchoolMonth.objects.filter(month=month)
        .values("code")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
    }
    return [
        figure(code, sums[code]["n"], sums[code]["d"], limits) if code in sums else {"code": code} for code in CODES
    ]


def district_trend(code, until, limits, months=12):
    """The district's total of one indicator for each of the last `months` months up to `until`."""
    rows = (
        SchoolMonth.objects.filter(code=code, month__lte=until)
        .values("month")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
        .order_by("-month")[:months]
    )
    return [{"label": f"{row['month']:%m.%Y}", **figure(code, row["n"], row["d"], limits)} for row in reversed(rows)]


def school_months(school, limits, months=12):
    """One school's figures month by month, newest first."""
    table = {}
    for f in SchoolMonth.objects.filter(school=school).order_by("-month"):
        table.setdefault(f.month, {})[f.code] = figure(f.code, f.numerator, f.denominator, limits)
    return [
        (month, [cells.get(code, {"code": code}) for code in CODES]) for month, cells in list(table.items())[:months]
    ]


def bars(items):
    """Chart bars for the page: label, percent, colour, and a width scaled to 100%."""
    return [
        {**item, "width": min(100, max(0.5, float(item["percent"])))}
        for item in items
        if item.get("percent") is not None
    ]


# Drill-downs of a school's month (reading 11): every indicator that means something per teacher,
# per class, per subject.
LESSON_CODES = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q6_3days"]
TEACHER_CODES = LESSON_CODES + ["Q10", "Q16", "Q17"]
CLASS_CODES = LESSON_CODES + ["Q7", "Q8", "Q9", "Q12", "Q14", "Q15"]


def school_breakdowns(month, today, limits):
    """(title, codes, rows) for the school's control page; each row a name, its lessons held and
    a figure per code."""
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)

    def rows(figures_by_key, names, codes):
        return sorted(
            (
                {
                    "name": names.get(key, "—"),
                    "total": figures["Q1"][1],
                    "cells": [figure(code, *figures[code], limits) for code in codes],
                }
                for key, figures in figures_by_key.items()
            ),
            key=lambda row: row["name"],
        )

    teachers = by_teacher(month, today)
    names = {u.pk: u.full_name for u in User.objects.filter(pk__in=list(teachers))}
    subjects = {
        subject.pk: lesson_figures(held.filter(subject=subject))
        for subject in Subject.objects.filter(pk__in=held.values("subject"))
    }
    result = []
    for title, codes, figures_by_key, labels in (
        ("По учителям", TEACHER_CODES, teachers, names),
        ("По классам", CLASS_CODES, by_class(month, today), {c.pk: str(c) for c in SchoolClass.objects.all()}),
        ("По предметам", LESSON_CODES, subjects, dict(Subject.objects.values_list("pk", "name"))),
    ):
        result.append((title, codes, rows(figures_by_key, labels, codes)))
    return result
