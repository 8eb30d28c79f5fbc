from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import district_roles, school_roles
from accounts.models import Role
from groundwork.addresses import client_ip
from groundwork.days import day_from
from groundwork.errors import explain
from groundwork.pages import page_of
from groundwork.spreadsheets import XLSX, table_xlsx
from tenants.models import School

from . import reports, selectors, services
from .indicators import compute, held_lessons, month_bounds
from .models import (
    DEFAULT_NORMS,
    HEADS,
    LOWER_IS_BETTER,
    NAMES,
    SHORT_NAMES,
    Report,
    SchoolMonth,
    SchoolProgramme,
    accumulation_norms,
    figure,
    thresholds,
)
from .tasks import update_school_month

CODES = list(NAMES)


def _month(request, school=None):
    """The month asked for (?month=YYYY-MM), or an error message in the user's words."""
    today = timezone.localdate()
    month = day_from((request.GET.get("month") or today.strftime("%Y-%m")) + "-01")
    if month is None:
        return None, _("Месяц указывается как ГГГГ-ММ, например 2026-11.")
    if month > today.replace(day=1):
        return None, _("Отчёт за будущий месяц построить нельзя.")
    if school is not None and month < timezone.localtime(school.created_at).date().replace(day=1):
        return (
            None,
            _("Школа подключена %(localtime)s: за более ранние месяцы данных нет.")
            % {"localtime": format(timezone.localtime(school.created_at), "%d.%m.%Y")},
        )
    return month, ""


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district(request):
    """Schools × indicators with traffic lights, the district's totals, sorting, filters, a chart of
    one indicator across schools and its trend over the months."""
    month, error = _month(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "name"
    chart = request.GET.get("chart") if request.GET.get("chart") in CODES else (sort if sort in CODES else "Q1")
    show = request.GET.get("show") if request.GET.get("show") in ("red", "amber") else "all"
    search = request.GET.get("q", "").strip()[:100]
    context = {
        "month": month,
        "error": error,
        "names": NAMES,
        "heads": HEADS,
        "sort": sort,
        "descending": request.GET.get("order") == "desc",
        "chart": chart,
        "show": show,
        "q": search,
    }
    if month:
        limits = thresholds()
        rows = page_of(
            request,
            selectors.district_schools(
                month, limits, sort=sort, descending=context["descending"], show=show, search=search
            ),
        )
        rows.object_list = selectors.district_rows(rows.object_list, month, limits)
        index = CODES.index(chart)
        context.update(
            rows=rows,
            totals=selectors.district_totals(month, limits),
            school_bars=selectors.bars([{"label": row["school"].short_name, **row["cells"][index]} for row in rows]),
            trend=selectors.district_trend(chart, month, limits),
        )
    return render(request, "monitoring/district.html", context)


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_school(request, slug):
    """One school's aggregates over the months: the trend, numbers only."""
    school = get_object_or_404(School.objects.exclude(schema_name="public"), slug=slug)
    table = selectors.school_months(school, thresholds())
    return render(request, "monitoring/district_school.html", {"school": school, "table": table, "heads": HEADS})


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_school_month(request, slug, month):
    """One school's month by class, subject and teacher as its task reported it (staff names and
    class labels, never a pupil), the worst first for the indicator the official came from."""
    school = get_object_or_404(School.objects.exclude(schema_name="public"), slug=slug)
    first = day_from(f"{month}-01")
    if first is None:
        raise Http404
    code = request.GET.get("code") if request.GET.get("code") in NAMES else None
    limits = thresholds()
    return render(
        request,
        "monitoring/district_school_month.html",
        {
            "school": school,
            "month": first,
            "code": code,
            "code_name": NAMES.get(code),
            "overall": [
                figure(f.code, f.numerator, f.denominator, limits) | {"short": SHORT_NAMES[f.code]}
                for f in SchoolMonth.objects.filter(school=school, month=first)
                if f.code in NAMES
            ],
            "breakdowns": selectors.district_parts(school, first, limits, code),
        },
    )


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school(request):
    """The school's own control page: the same figures as the district's row, computed here, with
    the drill-down by teacher and the lessons behind the red figures. POST reports them to the
    district at once instead of waiting for the night."""
    month, error = _month(request, request.school)
    published = reports.published_quality(request.school, month) if month else None
    if request.method == "POST" and month:
        if published is None:
            update_school_month(month.isoformat())
            messages.success(request, _("Показатели пересчитаны и переданы в управление образования."))
        else:
            try:
                services.correct_month(
                    request.school, month, reason=request.POST.get("reason", ""), by=request.user, ip=client_ip(request)
                )
            except ValidationError as error:
                messages.error(request, explain(error))
            else:
                messages.success(request, _("Исправление передано в управление образования новой версией отчёта."))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    context = {"month": month, "error": error, "names": NAMES, "published": published}
    if month:
        limits = thresholds()
        today = timezone.localdate()
        figures = compute(month, today=today)
        context["cells"] = [figure(code, *figures[code], limits) for code in CODES]
        if published:  # what the district has, beside what the journal says now
            shown = published.data["schools"][0]["cells"]
            context["rows"] = [(shown.get(c["code"], {"code": c["code"]}), c) for c in context["cells"]]
        first, last = month_bounds(month)
        held = held_lessons(first, last, today)
        context["breakdowns"] = selectors.school_breakdowns(month, today, limits)
        context["missing"] = (
            held.filter(Q(topic="") | Q(attendance_taken_at__isnull=True) | Q(homework="", homework_none=False))
            .select_related("school_class", "subject", "teacher")
            .order_by("date", "number")[:300]
        )
    return render(request, "monitoring/school.html", context)


@district_roles(Role.DISTRICT_OFFICIAL)
def threshold_page(request):
    """District officials set the traffic-light limits and the accumulation norms; figures and
    reports made after a change use it."""
    if request.method == "POST":
        try:
            if "hours_per_week" in request.POST:
                services.set_norm(
                    hours_per_week=request.POST["hours_per_week"],
                    marks=request.POST.get("marks"),
                    by=request.user,
                    ip=client_ip(request),
                )
                messages.success(request, _("Норма накопляемости сохранена."))
            else:
                code = request.POST.get("code", "")
                services.set_threshold(
                    code=code,
                    green=request.POST.get("green", ""),
                    amber=request.POST.get("amber", ""),
                    by=request.user,
                    ip=client_ip(request),
                )
                messages.success(request, _("Пороги %(code)s сохранены.") % {"code": code})
        except ValidationError as error:
            messages.error(request, explain(error))
        return redirect("thresholds")
    limits = thresholds()
    rows = [
        {
            "code": code,
            "name": name,
            "green": limits.get(code, ("", ""))[0],
            "amber": limits.get(code, ("", ""))[1],
            "lower": code in LOWER_IS_BETTER,
            "trend": code not in limits,
        }
        for code, name in NAMES.items()
    ]
    norms = [
        {"hours": hours, "marks": marks, "last": hours == max(DEFAULT_NORMS)}
        for hours, marks in accumulation_norms().items()
    ]
    return render(request, "monitoring/thresholds.html", {"rows": rows, "norms": norms})


def _show(request, report, kind):
    """A report as a printable page, or its PDF or XLSX file."""
    if kind == "html":
        head, rows, notes = reports.table(report)
        return render(
            request,
            "monitoring/report.html",
            {
                "report": report,
                "title": reports.title(report),
                "head": head,
                "rows": rows,
                "notes": notes,
                "bars": selectors.bars(
                    [
                        {"label": label, "percent": value, "colour": tint}
                        for label, value, tint in reports.chart(report, head, rows)
                    ]
                ),
                "chart_title": reports.chart_title(report),
            },
        )
    if kind not in ("xlsx", "pdf"):
        raise Http404
    if kind == "xlsx":
        response = HttpResponse(reports.xlsx(report), content_type=XLSX)
    else:
        response = HttpResponse(reports.pdf(report), content_type="application/pdf")
    whose = report.school.slug if report.school_id else "district"
    response["Content-Disposition"] = (
        f'attachment; filename="{report.kind}-{whose}-{report.starts_on:%Y-%m-%d}-v{report.version}.{kind}"'
    )
    return response


def _period(kind, text):
    """The period's first day from the form: a month (ГГГГ-ММ) or any day of the week."""
    try:
        if kind == Report.Kind.ACTIVITY:
            day = date.fromisoformat(text)
            return day - timedelta(days=day.weekday())
        return date.fromisoformat(text + "-01")
    except ValueError:
        raise ValidationError(_("Неделя указывается любой её датой, месяц — как ГГГГ-ММ.")) from None


def _kind(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    return kind if kind in Report.Kind.values else ""


def _reports_page(request, found, base, make, **context):
    """The list of reports, by kind; a POST makes one with `make(kind, period, by, reason)`."""
    if request.method == "POST":
        kind = _kind(request)
        try:
            make(kind, request.POST.get("period", ""), request.user, request.POST.get("reason", ""))
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Отчёт сформирован."))
        return redirect(f"{request.path}?kind={kind}")
    kind = _kind(request)
    return render(
        request,
        "monitoring/reports.html",
        {
            "reports": found.filter(kind=kind) if kind else found,
            "kind": kind,
            "kinds": Report.Kind.choices,
            "base": base,
            **context,
        },
    )


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_reports(request):
    if request.method == "POST" and Role.DISTRICT_OFFICIAL not in request.roles:
        return render(request, "forbidden.html", status=403)

    def make(kind, period, by, reason):
        if not kind:
            raise ValidationError(_("Выберите вид отчёта."))
        if kind == Report.Kind.QUALITY:
            reports.make_quality_reports(_period(kind, period), by=by, reason=reason)
        else:
            reports.make_district_report(kind, _period(kind, period), by=by, reason=reason)

    return _reports_page(
        request,
        Report.objects.filter(school__isnull=True),
        "/district/quality/reports/",
        make,
        can_make=Role.DISTRICT_OFFICIAL in request.roles,
    )


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_report(request, report_id, kind="html"):
    return _show(request, get_object_or_404(Report, pk=report_id, school__isnull=True), kind)


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school_reports(request):
    """The school's own reports; the director or deputy may make a filling or activity report of a
    finished period (a new version needs a reason). The quality report comes from the district."""

    def make(kind, period, by, reason):
        if kind not in (Report.Kind.FILLING, Report.Kind.ACTIVITY, Report.Kind.PROGRESS):
            raise ValidationError(
                _("Школа формирует отчёт о заполнении ЭЖ, об активности пользователей или об итогах периодов.")
            )
        reports.make_school_report(kind, _period(kind, period), by=by, reason=reason)

    return _reports_page(
        request,
        Report.objects.filter(school=request.school),
        "/quality/reports/",
        make,
        can_make=True,
        school_kinds=True,
    )


@school_roles(Role.DIRECTOR, Role.DEPUTY)
def school_report(request, report_id, kind="html"):
    return _show(request, get_object_or_404(Report, pk=report_id, school=request.school), kind)


@district_roles(Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR)
def district_programme(request):
    """Programme fulfilment of every school, term by term, from the figures each school's task
    wrote (counts only); XLSX."""
    years = list(SchoolProgramme.objects.order_by("-year").values_list("year", flat=True).distinct())
    year = request.GET.get("year") if request.GET.get("year") in years else (years[0] if years else None)
    rows = list(
        SchoolProgramme.objects.filter(year=year).select_related("school").order_by("starts_on", "term", "school__name")
    )
    if request.GET.get("format") == "xlsx":
        content = table_xlsx(
            [_("Выполнение программы по школам, %(year)s учебный год") % {"year": year}],
            PROGRAMME_HEAD,
            [
                [r.school.name, r.term, r.journals, r.behind, r.curriculum, r.held, r.replaced, r.cancelled, r.done]
                for r in rows
            ],
        )
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="programme.xlsx"'
        return response
    return render(request, "monitoring/district_programme.html", {"rows": rows, "years": years, "year": year})


PROGRAMME_HEAD = [
    gettext_lazy("Школа"),
    gettext_lazy("Период"),
    gettext_lazy("Журналов"),
    gettext_lazy("С отставанием"),
    gettext_lazy("Часов по учебному плану"),
    gettext_lazy("Проведено"),
    gettext_lazy("Из них заменой"),
    gettext_lazy("Отменено"),
    gettext_lazy("Выполнено, %"),
]
