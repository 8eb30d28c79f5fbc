"""The reports of the regulations (shared/seeds 001, Инструкция 4; 003, 5.1–5.2), frozen when made:
the monthly quality report, the monthly filling and mark accumulation report and the weekly user
activity report, for each school and for the district. A report keeps the counts and the
thresholds and norms in force when it was made; a correction is a new version with its reason.
Each is offered as a printable page, PDF (with a chart) and XLSX."""

from datetime import timedelta
from xml.sax.saxutils import escape  # school names and reasons are text, not ReportLab markup

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, TableStyle

from groundwork.days import month_name
from groundwork.pdf import Table, cyrillic_font, number, printed, render
from groundwork.spreadsheets import row as spreadsheet_row
from groundwork.spreadsheets import workbook_bytes
from tenants.models import School

from . import indicators
from .models import NAMES, Report, SchoolMonth, accumulation_norms, colour, exact_percent, figure, percent, thresholds

FILLS = {"green": "DFF3E3", "amber": "FFF2CC", "red": "F9D6D5"}
Kind = Report.Kind


def previous_month(today=None):
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def previous_week(today=None):
    today = today or timezone.localdate()
    return today - timedelta(days=today.weekday() + 7)


def check_period(kind, starts_on, school=None, today=None):
    """The period must be over, and the school must have existed by its end."""
    today = today or timezone.localdate()
    ends_on = Report(kind=kind, starts_on=starts_on).ends_on
    if ends_on >= today:
        raise ValidationError(_("Отчёт строится за завершившийся период: за текущий или будущий — нельзя."))
    if school is not None and ends_on < timezone.localtime(school.created_at).date():
        raise ValidationError(
            _("Школа подключена %(localtime)s: за более ранний период отчёта быть не может.")
            % {"localtime": format(timezone.localtime(school.created_at), "%d.%m.%Y")}
        )


def _version(kind, school, starts_on, reason):
    existing = Report.objects.filter(kind=kind, school=school, starts_on=starts_on).aggregate(last=Max("version"))[
        "last"
    ]
    if existing and not reason:
        raise ValidationError({"reason": _("Отчёт за этот период уже сформирован: новая версия — только с причиной.")})
    return (existing or 0) + 1


def _totals(rows, columns):
    return {column: sum(row[column] for row in rows) for column in columns}


def _limits_data(limits):
    return {code: [str(green), str(amber)] for code, (green, amber) in limits.items()}


# --- Making reports ------------------------------------------------------------------


def _quality_row(figures, limits):
    return {code: figure(code, *figures[code], limits) for code in NAMES if code in figures}


@transaction.atomic
def make_quality_reports(month, *, by=None, reason=""):
    """The district's monthly quality report and each school's, from the counts the schools
    reported (SchoolMonth). Returns the district's."""
    month = month.replace(day=1)
    check_period(Kind.QUALITY, month)
    reason = " ".join((reason or "").split())
    version = _version(Kind.QUALITY, None, month, reason)
    figures = {}
    for f in SchoolMonth.objects.filter(month=month).select_related("school"):
        figures.setdefault(f.school, {})[f.code] = (f.numerator, f.denominator)
    if not figures:
        raise ValidationError(_("За этот месяц школы ещё не передали показатели: отчёт строить не из чего."))
    limits = thresholds()
    totals = {}
    for per_school in figures.values():
        for code, (n, d) in per_school.items():
            totals[code] = (totals.get(code, (0, 0))[0] + n, totals.get(code, (0, 0))[1] + d)
    schools = sorted(figures, key=lambda s: s.short_name)
    common = {"thresholds": _limits_data(limits), "norms": accumulation_norms()}
    district = Report.objects.create(
        kind=Kind.QUALITY,
        starts_on=month,
        version=version,
        reason=reason,
        created_by=by,
        data={
            **common,
            "totals": _quality_row(totals, limits),
            "schools": [
                {"slug": s.slug, "name": s.short_name, "cells": _quality_row(figures[s], limits)} for s in schools
            ],
        },
    )
    for school in schools:
        _school_quality_report(school, month, figures[school], limits, version=version, reason=reason, by=by)
    return district


def _school_quality_report(school, month, figures, limits, *, version, reason, by):
    return Report.objects.create(
        kind=Kind.QUALITY,
        school=school,
        starts_on=month,
        version=version,
        reason=reason,
        created_by=by,
        data={
            "thresholds": _limits_data(limits),
            "norms": accumulation_norms(),
            "schools": [{"slug": school.slug, "name": school.short_name, "cells": _quality_row(figures, limits)}],
        },
    )


def correction_of_quality_report(school, month, figures, *, by, reason):
    """A new version of a school's published monthly quality report, with its reason."""
    return _school_quality_report(
        school,
        month,
        figures,
        thresholds(),
        by=by,
        reason=reason,
        version=_version(Kind.QUALITY, school, month, reason),
    )


def published_quality(school, month):
    """The school's latest published quality report of a month, or None."""
    return Report.objects.filter(kind=Kind.QUALITY, school=school, starts_on=month).order_by("-version").first()


def make_school_report(kind, starts_on, *, by=None, reason=""):
    """The filling (month) or activity (week) report of the school whose schema is active,
    computed there; only counts by class, subject or group of users are written."""
    school = School.objects.get(schema_name=connection.schema_name)
    check_period(kind, starts_on, school)
    reason = " ".join((reason or "").split())
    if kind == Kind.PROGRESS:
        data = {"rows": indicators.progress(starts_on)}
        if not data["rows"]:
            raise ValidationError(_("В этом месяце не закончился ни один учебный период: итогов нет."))
    elif kind == Kind.FILLING:
        data = {
            "rows": indicators.filling(starts_on),
            "thresholds": _limits_data(thresholds()),
            "norms": accumulation_norms(),
        }
    else:
        data = indicators.activity(school, starts_on)
    with transaction.atomic():
        return Report.objects.create(
            kind=kind,
            school=school,
            starts_on=starts_on,
            data=data,
            reason=reason,
            version=_version(kind, school, starts_on, reason),
            created_by=by,
        )


@transaction.atomic
def make_district_report(kind, starts_on, *, by=None, reason=""):
    """The district's filling or activity report: every school's latest report of that period,
    one row each, and the district's total."""
    check_period(kind, starts_on)
    reason = " ".join((reason or "").split())
    latest = {}
    for report in (
        Report.objects.filter(kind=kind, starts_on=starts_on, school__isnull=False)
        .select_related("school")
        .order_by("school", "-version")
    ):
        latest.setdefault(report.school, report)
    if not latest:
        raise ValidationError(_("Школы ещё не сформировали свои отчёты за этот период: сводить нечего."))
    schools = []
    for school in sorted(latest, key=lambda s: s.short_name):
        data = latest[school].data
        if kind == Kind.FILLING:
            sums = _totals(data["rows"], indicators.FILLING_COLUMNS)
        elif kind == Kind.PROGRESS:
            sums = {"periods": _by_period(data["rows"])}
        else:
            sums = {
                "groups": data["groups"],
                "journal_entries": data["journal_entries"],
                "diary_views": data["diary_views"],
            }
        schools.append({"slug": school.slug, "name": school.short_name, "version": latest[school].version, **sums})
    data = {"schools": schools}
    if kind == Kind.FILLING:
        data.update(thresholds=_limits_data(thresholds()), norms=accumulation_norms())
    return Report.objects.create(
        kind=kind,
        starts_on=starts_on,
        version=_version(kind, None, starts_on, reason),
        reason=reason,
        created_by=by,
        data=data,
    )


# --- Showing reports: one table per kind, then page, XLSX and PDF alike -----------------------


def _by_period(rows):
    """Each period's counts summed over the classes (or schools) that report it."""
    periods = {}
    for row in rows:
        periods.setdefault(row["period"], []).append(row)
    return {period: _totals(found, indicators.PROGRESS_COLUMNS) for period, found in periods.items()}


def _progress_cells(row):
    counts = [row[key] for key in indicators.PROGRESS_COLUMNS]
    return [_cell(value) for value in counts[:8]] + [
        _cell(percent(row["attested"] - row["failing"], row["attested"])),
        _cell(percent(row["excellent"] + row["good"], row["attested"])),
        *(_cell(value) for value in counts[8:]),
    ]


def _cell(value, colour_=""):
    return {"value": value, "colour": colour_}


def _filling_cells(row, limits):
    def share(code, numerator):
        denominator = row["lessons"] if code in ("Q1", "Q2", "Q4") else row["pairs"]
        return _cell(percent(numerator, denominator), colour(code, exact_percent(numerator, denominator), limits))

    return [
        _cell(row["lessons"]),
        share("Q1", row["topics"]),
        share("Q2", row["homework"]),
        share("Q4", row["attendance"]),
        _cell(row["marks"]),
        _cell(row["pairs"]),
        share("Q7", row["without"]),
        share("Q8", row["one"]),
        share("Q9", row["accumulated"]),
    ]


FILLING_HEAD = [
    gettext_lazy("Уроков"),
    gettext_lazy("Темы, %"),
    gettext_lazy("ДЗ, %"),
    gettext_lazy("Посещаемость, %"),
    gettext_lazy("Отметок"),
    gettext_lazy("Пар ученик×предмет"),
    gettext_lazy("Без отметок, %"),
    gettext_lazy("С одной отметкой, %"),
    gettext_lazy("Накопляемость, %"),
]
ACTIVITY_GROUPS = {
    "staff": gettext_lazy("Сотрудники"),
    "parents": gettext_lazy("Родители"),
    "pupils": gettext_lazy("Обучающиеся"),
}


def table(report):
    """(header, rows, notes) of a report: rows are (name, [cells]); a cell has a value and a colour."""
    data = report.data
    limits = {code: tuple(float(v) for v in pair) for code, pair in data.get("thresholds", {}).items()}
    norms = ", ".join(
        _("%(hours)s%(value)s ч/нед — %(marks)s")
        % {"hours": hours, "value": "+" if n == len(data.get("norms", {})) else "", "marks": marks}
        for n, (hours, marks) in enumerate(data.get("norms", {}).items(), start=1)
    )
    if report.kind == Kind.QUALITY:
        rows = list(data["schools"]) + ([{"name": _("Район"), "cells": data["totals"]}] if "totals" in data else [])
        return (
            [_("Школа")] + list(NAMES),
            [
                (
                    row["name"],
                    [
                        _cell(row["cells"].get(c, {}).get("percent"), row["cells"].get(c, {}).get("colour", ""))
                        for c in NAMES
                    ],
                )
                for row in rows
            ],
            [
                "; ".join(f"{code} — {name}" for code, name in NAMES.items()),
                _("Нормы накопляемости за четверть: %(norms)s.") % {"norms": norms} if norms else "",
            ],
        )
    if report.kind == Kind.PROGRESS:
        notes = [
            _(
                "По итоговым отметкам периодов, закончившихся в этом месяце. Успеваемость — доля аттестованных "
                "без «2», «1», незачёта и «н/а»; качество знаний — доля аттестованных только с «4» и «5». "
                "Только числа: имена обучающихся остаются в отчётах школы."
            )
        ]
        if report.school_id:
            rows = data["rows"]
            body = [(f"{row['class']} — {row['period']}", _progress_cells(row)) for row in rows]
            totals = [
                (_("Школа — %(period)s") % {"period": period}, _progress_cells(sums))
                for period, sums in _by_period(rows).items()
            ]
            return [_("Класс — период")] + indicators.PROGRESS_HEAD, body + totals, notes
        body = [
            (f"{row['name']} — {period}", _progress_cells(sums))
            for row in data["schools"]
            for period, sums in row["periods"].items()
        ]
        district = {}
        for row in data["schools"]:
            for period, sums in row["periods"].items():
                district.setdefault(period, []).append(sums)
        totals = [
            (_("Район — %(period)s") % {"period": period}, _progress_cells(_totals(found, indicators.PROGRESS_COLUMNS)))
            for period, found in district.items()
        ]
        return [_("Школа — период")] + indicators.PROGRESS_HEAD, body + totals, notes
    if report.kind == Kind.FILLING:
        notes = [
            _("Нормы накопляемости за четверть (пропорционально прошедшим дням): %(norms)s.") % {"norms": norms}
            if norms
            else "",
            _("Пары ученик×предмет и накопляемость — на конец месяца, за прошедшую часть четверти."),
        ]
        if report.school_id:
            rows = data["rows"]
            body = [(f"{row['class']} {row['subject']}", _filling_cells(row, limits)) for row in rows]
            return (
                [_("Класс, предмет")] + FILLING_HEAD,
                body + [(_("Итого"), _filling_cells(_totals(rows, indicators.FILLING_COLUMNS), limits))],
                notes,
            )
        rows = data["schools"]
        return (
            [_("Школа")] + FILLING_HEAD,
            [(row["name"], _filling_cells(row, limits)) for row in rows]
            + [(_("Район"), _filling_cells(_totals(rows, indicators.FILLING_COLUMNS), limits))],
            notes,
        )
    # Activity
    notes = [
        _(
            "Активные: сотрудники — вносили записи в журнал или открывали данные обучающихся; "
            "родители и обучающиеся — открывали дневник."
        )
    ]
    if report.school_id:
        body = [
            (
                ACTIVITY_GROUPS[g["group"]],
                [
                    _cell(g["users"]),
                    _cell(g["active"]),
                    _cell(percent(g["active"], g["users"])),
                    _cell(g["sign_ins"]),
                    _cell(g["messages"]),
                ],
            )
            for g in data["groups"]
        ]
        notes.append(
            _("Записей в журнале за неделю: %(entries)s; просмотров дневника: %(views)s.")
            % {"entries": data["journal_entries"], "views": data["diary_views"]}
        )
        return [_("Группа"), _("С доступом"), _("Активны"), _("Активны, %"), _("Входов"), _("Сообщений")], body, notes
    head = [_("Школа")]
    for label in ACTIVITY_GROUPS.values():
        head += [_("%(label)s: с доступом") % {"label": label}, _("%(label)s: активны, %%") % {"label": label}]
    head += [_("Входов"), _("Записей в журнале"), _("Просмотров дневника"), _("Сообщений")]
    totals = {"name": _("Район"), "groups": [], "journal_entries": 0, "diary_views": 0}
    for group in ACTIVITY_GROUPS:
        members = [g for row in data["schools"] for g in row["groups"] if g["group"] == group]
        totals["groups"].append({"group": group, **_totals(members, ("users", "active", "sign_ins", "messages"))})
    totals["journal_entries"] = sum(row["journal_entries"] for row in data["schools"])
    totals["diary_views"] = sum(row["diary_views"] for row in data["schools"])
    body = []
    for row in data["schools"] + [totals]:
        cells = []
        for g in row["groups"]:
            cells += [_cell(g["users"]), _cell(percent(g["active"], g["users"]))]
        cells += [
            _cell(sum(g["sign_ins"] for g in row["groups"])),
            _cell(row["journal_entries"]),
            _cell(row["diary_views"]),
            _cell(sum(g["messages"] for g in row["groups"])),
        ]
        body.append((row["name"], cells))
    return head, body, notes


def chart(report, head, rows):
    """The bars a report's chart shows, from its table: (label, percent, colour)."""
    if report.kind == Kind.QUALITY:
        name, cells = rows[-1]
        return [
            (code, cell["value"], cell["colour"])
            for code, cell in zip(head[1:], cells, strict=True)
            if cell["value"] is not None
        ]
    if report.kind == Kind.PROGRESS:
        label = _("Качество знаний, %")
    elif report.kind == Kind.FILLING:
        label = _("Накопляемость, %")
    else:
        label = _("Активны, %") if report.school_id else _("Родители: активны, %")
    column = head.index(label) - 1
    return [
        (name, cells[column]["value"], cells[column]["colour"])
        for name, cells in rows
        if cells[column]["value"] is not None
    ]


def chart_title(report):
    if report.kind == Kind.QUALITY:
        return _("Показатели, %") + (_(" по району") if not report.school_id else "")
    if report.kind == Kind.FILLING:
        return _("Накопляемость отметок, %")
    if report.kind == Kind.PROGRESS:
        return _("Качество знаний, %")
    return _("Активные пользователи, %") if report.school_id else _("Родители, открывавшие дневник, %")


def title(report):
    whose = report.school.short_name if report.school_id else _("район")
    return _("%(get_kind_display)s — %(whose)s, %(period)s (версия %(version)s)") % {
        "get_kind_display": report.get_kind_display(),
        "whose": whose,
        "period": report.period,
        "version": report.version,
    }


def xlsx(report):
    head, rows, notes = table(report)
    book = Workbook()
    sheet = book.active
    sheet.title = (
        month_name(report.starts_on)
        if report.kind != Report.Kind.ACTIVITY
        else _("неделя с %(starts_on)s") % {"starts_on": format(report.starts_on, "%d.%m.%Y")}
    )
    sheet.append(spreadsheet_row([title(report)]))
    sheet.append(spreadsheet_row(head))
    for row_number, (name, cells) in enumerate(rows, start=sheet.max_row + 1):
        sheet.append(spreadsheet_row([name] + [cell["value"] for cell in cells]))
        for index, cell in enumerate(cells, start=2):
            if FILLS.get(cell["colour"]):
                # The row's number kept here: openpyxl's max_row scans every cell (1,000 schools took 12 s).
                sheet.cell(row=row_number, column=index).fill = PatternFill("solid", fgColor=FILLS[cell["colour"]])
    for note in filter(
        None, notes + [_("Причина новой версии: %(reason)s") % {"reason": report.reason} if report.reason else ""]
    ):
        sheet.append(spreadsheet_row([note]))
    sheet["A1"].font = Font(bold=True)
    return workbook_bytes(book)


def _bar_chart(bars, font, width=260 * mm):
    """Horizontal bars, one per label, coloured like the table."""
    line = 5 * mm
    drawing = Drawing(width, line * len(bars) + 2 * mm)
    label_width, scale = 45 * mm, (width - 65 * mm) / 100
    for index, (label, share, tint) in enumerate(bars):
        y = drawing.height - (index + 1) * line
        drawing.add(String(0, y + 1.2 * mm, str(label)[:30], fontName=font, fontSize=7))
        drawing.add(
            Rect(
                label_width,
                y + 0.5 * mm,
                max(0.5, float(share) * scale),
                line - 1.5 * mm,
                fillColor=colors.HexColor("#" + FILLS.get(tint, "C9D7EA")),
                strokeColor=colors.grey,
                strokeWidth=0.3,
            )
        )
        drawing.add(
            String(
                label_width + float(share) * scale + 2 * mm,
                y + 1.2 * mm,
                f"{number(share)}%",
                fontName=font,
                fontSize=7,
            )
        )
    return drawing


@printed
def pdf(report):
    font = cyrillic_font()
    style = ParagraphStyle("t", fontName=font, fontSize=9, leading=11)
    head, rows, notes = table(report)
    grid = [head] + [
        [name] + ["—" if cell["value"] is None else cell["value"] for cell in cells] for name, cells in rows
    ]
    commands = [("FONT", (0, 0), (-1, -1), font, 7), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]
    for r, (_name, cells) in enumerate(rows, start=1):
        for c, cell in enumerate(cells, start=1):
            if FILLS.get(cell["colour"]):
                commands.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#" + FILLS[cell["colour"]])))
    small = ParagraphStyle("s", parent=style, fontSize=7, leading=8)
    grid[0] = [Paragraph(escape(text), small) for text in head]
    grid[1:] = [[Paragraph(escape(str(row[0])), small), *row[1:]] for row in grid[1:]]
    # The page's width, shared: the names' column, then the figures (the table never runs off the sheet).
    widths = [50 * mm] + [227 * mm / max(len(head) - 1, 1)] * (len(head) - 1)
    story = [
        Paragraph(escape(title(report)), ParagraphStyle("h", parent=style, fontSize=12, leading=15)),
        Spacer(1, 3 * mm),
        Table(grid, colWidths=widths, style=TableStyle(commands), repeatRows=1),
        Spacer(1, 4 * mm),
    ]
    bars = chart(report, head, rows)
    if bars:
        story += [Paragraph(escape(chart_title(report)), style), _bar_chart(bars, font), Spacer(1, 3 * mm)]
    story += [Paragraph(escape(note), style) for note in notes if note]
    if report.reason:
        story.append(Paragraph(_("Причина новой версии: %(reason)s") % {"reason": escape(report.reason)}, style))
    story.append(
        Paragraph(
            _("Сформирован %(localtime)s")
            % {"localtime": format(timezone.localtime(report.created_at), "%d.%m.%Y %H:%M")},
            style,
        )
    )
    return render(
        story,
        title=title(report),
        pagesize=landscape(A4),
        margins=(10, 10, 25.4, 25.4),
        school=report.school.name if report.school_id else _("Управление образования"),
        author=report.created_by.short_name if report.created_by_id else "",
    )
