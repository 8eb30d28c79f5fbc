"""The monthly quality report: frozen from the schools' reported counts and the thresholds in
force when it is made; offered as XLSX and PDF."""

import io
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from diary.report import cyrillic_font

from .models import NAMES, MonthlyReport, SchoolMonth, figure, thresholds

FILLS = {"green": "DFF3E3", "amber": "FFF2CC", "red": "F9D6D5"}


def _row(figures, limits):
    return {code: figure(code, *figures[code], limits) for code in NAMES if code in figures}


@transaction.atomic
def make_reports(month, *, by=None, reason=""):
    """The district's report and each school's for a month; a later run is a new version and needs a reason."""
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError("Отчёт строится за завершившийся месяц.")
    existing = MonthlyReport.objects.filter(month=month, school__isnull=True).aggregate(last=Max("version"))["last"]
    reason = " ".join((reason or "").split())
    if existing and not reason:
        raise ValidationError({"reason": "Отчёт за этот месяц уже опубликован: новая версия — только с причиной."})
    version = (existing or 0) + 1
    limits = thresholds()
    figures = {}
    for f in SchoolMonth.objects.filter(month=month).select_related("school"):
        figures.setdefault(f.school, {})[f.code] = (f.numerator, f.denominator)
    schools = sorted(figures, key=lambda s: s.short_name)
    totals = {}
    for per_school in figures.values():
        for code, (n, d) in per_school.items():
            totals[code] = (totals.get(code, (0, 0))[0] + n, totals.get(code, (0, 0))[1] + d)
    limits_data = {code: [str(g), str(a)] for code, (g, a) in limits.items()}
    district = MonthlyReport.objects.create(month=month, version=version, reason=reason, created_by=by, data={
        "thresholds": limits_data, "totals": _row(totals, limits),
        "schools": [{"slug": s.slug, "name": s.short_name, "cells": _row(figures[s], limits)} for s in schools]})
    for school in schools:
        MonthlyReport.objects.create(school=school, month=month, version=version, reason=reason, created_by=by, data={
            "thresholds": limits_data, "schools": [{"slug": school.slug, "name": school.short_name,
                                                    "cells": _row(figures[school], limits)}]})
    return district


def xlsx(report):
    book = Workbook()
    sheet = book.active
    sheet.title = report.month.strftime("%Y-%m")
    sheet.append([f"Мониторинг качества ведения ЭЖ, {report.month:%m.%Y}, версия {report.version}"])
    sheet.append(["Показатель"] + [f"{code} {name}" for code, name in NAMES.items()])
    rows = list(report.data["schools"]) + ([{"name": "Район", "cells": report.data["totals"]}]
                                           if "totals" in report.data else [])
    for row in rows:
        values = [row["name"]] + [row["cells"].get(code, {}).get("percent") for code in NAMES]
        sheet.append(values)
        for index, code in enumerate(NAMES, start=2):
            tint = FILLS.get(row["cells"].get(code, {}).get("colour", ""))
            if tint:
                sheet.cell(row=sheet.max_row, column=index).fill = PatternFill("solid", fgColor=tint)
    sheet["A1"].font = Font(bold=True)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def pdf(report):
    font = cyrillic_font()
    style = ParagraphStyle("t", fontName=font, fontSize=9, leading=11)
    rows = list(report.data["schools"]) + ([{"name": "Район", "cells": report.data["totals"]}]
                                           if "totals" in report.data else [])
    table = [["Школа"] + list(NAMES)]
    commands = [("FONT", (0, 0), (-1, -1), font, 8), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]
    for r, row in enumerate(rows, start=1):
        table.append([row["name"]] + [f"{row['cells'][c]['percent']}%" if row["cells"].get(c, {}).get("percent")
                                      is not None else "—" for c in NAMES])
        for col, code in enumerate(NAMES, start=1):
            tint = FILLS.get(row["cells"].get(code, {}).get("colour", ""))
            if tint:
                commands.append(("BACKGROUND", (col, r), (col, r), colors.HexColor("#" + tint)))
    buffer = io.BytesIO()
    story = [Paragraph(f"Мониторинг качества ведения электронных журналов за {report.month:%m.%Y} "
                       f"(версия {report.version}{', ' + report.reason if report.reason else ''})", style),
             Spacer(1, 4 * mm), Table(table, style=TableStyle(commands)), Spacer(1, 4 * mm),
             Paragraph("; ".join(f"{code} — {name}" for code, name in NAMES.items()), style)]
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                      title=f"Мониторинг ЭЖ {report.month:%m.%Y}").build(story)
    return buffer.getvalue()


def previous_month(today=None):
    today = today or timezone.localdate()
    return (today.replace(day=1) - date.resolution).replace(day=1)
