"""Reads behind the district's dashboard: the counts the schools reported, never their journals."""

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy

from tenants.models import School

from .indicators import PART_CODES, parts
from .models import LOWER_IS_BETTER, NAMES, SHORT_NAMES, Report, SchoolMonth, SchoolMonthPart, figure

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
    """The district's total of one indicator for each of the `months` months up to `until`, as a
    line chart: every month has its place, a month without figures leaves a gap; the district's
    green and amber limits drawn across. Coordinates in a 100 × 50 box (100 % at the top)."""
    found = {
        row["month"]: figure(code, row["n"], row["d"], limits)
        for row in SchoolMonth.objects.filter(code=code, month__lte=until, month__gt=_months_back(until, months))
        .values("month")
        .annotate(n=Sum("numerator"), d=Sum("denominator"))
    }
    slots = [_months_back(until, n) for n in range(months - 1, -1, -1)]
    step = 100 / (months - 1)
    points = []
    for n, month in enumerate(slots):
        cell = found.get(month)
        value = cell and cell["percent"]
        points.append(
            {
                "label": f"{month:%m.%Y}",
                "x": round(n * step, 2),
                "y": None if value is None else round((100 - value) / 2, 2),
                **(cell or {"percent": None, "colour": ""}),
            }
        )
    # Lines join neighbouring months that both have figures.
    segments = [
        f"{a['x']},{a['y']} {b['x']},{b['y']}"
        for a, b in zip(points, points[1:], strict=False)
        if a["y"] is not None and b["y"] is not None
    ]
    limit = limits.get(code)
    return {
        "points": points,
        "segments": segments,
        "limits": [round((100 - float(v)) / 2, 2) for v in limit] if limit else [],
    }


def _months_back(month, n):
    year, index = divmod(month.year * 12 + month.month - 1 - n, 12)
    return month.replace(year=year, month=index + 1, day=1)


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


PART_TITLES = {
    "teacher": gettext_lazy("По учителям"),
    "class": gettext_lazy("По классам"),
    "subject": gettext_lazy("По предметам"),
}


def part_tables(found, limits, code=None):
    """(title, [(code, short name, name)], rows) for each part of {part: {name: figures}}: a row a name, its
    lessons held and a figure per code; sorted by name, or worst first by `code` where it counts."""
    tables = []
    for part, by_name in found.items():
        codes = PART_CODES[part]
        rows = [
            {
                "name": name,
                "total": figures.get("Q1", (0, 0))[1],
                "cells": [figure(c, *figures.get(c, (0, 0)), limits) for c in codes],
            }
            for name, figures in by_name.items()
        ]
        rows.sort(key=lambda row: row["name"])
        if code in codes:  # worst first, rows without anything to count last
            index, sign = codes.index(code), -1 if code in LOWER_IS_BETTER else 1
            rows.sort(
                key=lambda row: (row["cells"][index]["percent"] is None, sign * (row["cells"][index]["percent"] or 0))
            )
        tables.append((PART_TITLES[part], [(c, SHORT_NAMES[c], NAMES[c]) for c in codes], rows))
    return tables


def school_breakdowns(month, today, limits):
    """The school's own control page: its month by teacher, class and subject, computed now."""
    return part_tables(parts(month, today), limits)


def district_parts(school, month, limits, code=None):
    """The district's view of one school's month, from what its task stored (counts, staff names)."""
    found = {}
    for row in SchoolMonthPart.objects.filter(school=school, month=month):
        found.setdefault(row.part, {}).setdefault(row.name, {})[row.code] = (row.numerator, row.denominator)
    ordered = {part: found[part] for part in PART_CODES if part in found}
    return part_tables(ordered, limits, code)
