"""Documents a school prints and signs, as PDF on A4 (DejaVu Sans for the Cyrillic)."""

import io
from xml.sax.saxutils import escape  # names are text, not ReportLab markup

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from config.pdf import cyrillic_font

SUBJECTS_PER_SHEET = 6  # column groups on one landscape page, each its terms and the year


def summary_sheet_pdf(school, school_class, year, sheet):
    """Сводная ведомость итоговой успешности: sheets of subjects, every pupil on each, the
    signature lines on the last."""
    font = cyrillic_font()
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=11)
    title = ParagraphStyle("title", parent=text, fontSize=13, leading=16, spaceAfter=4)
    small = ParagraphStyle("small", parent=text, fontSize=7, leading=8)
    terms, subjects, rows = sheet["terms"], sheet["subjects"], sheet["rows"]
    per = len(terms) + 1
    groups = [
        range(n, min(n + SUBJECTS_PER_SHEET, len(subjects)))
        for n in range(0, max(len(subjects), 1), SUBJECTS_PER_SHEET)
    ]
    story = []
    for page, group in enumerate(groups, 1):
        head = ["№", "Обучающийся"] + [Paragraph(escape(subjects[i].name), small) for i in group for _ in range(per)]
        periods = ["", ""] + [label for _ in group for label in [*(f"{t.number}" for t in terms), "год"]]
        body = [
            [str(n), Paragraph(escape(row["pupil"].full_name), text)] + [v for i in group for v in row["subjects"][i]]
            for n, row in enumerate(rows, 1)
        ]
        style = [
            ("FONT", (0, 0), (-1, -1), font, 8),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("ALIGN", (2, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#eef1f5")),
        ]
        style += [("SPAN", (2 + k * per, 0), (1 + (k + 1) * per, 0)) for k in range(len(group))]
        widths = [8 * mm, 55 * mm] + [min(12 * mm, 200 * mm / max(len(group) * per, 1))] * (len(group) * per)
        story += [
            Paragraph(escape(school.name), text),
            Paragraph(
                f"Сводная ведомость итоговой успешности: {escape(str(school_class))} класс, {escape(str(year))} учебный год"
                + (f" — лист {page} из {len(groups)}" if len(groups) > 1 else ""),
                title,
            ),
            Table([head, periods, *body], colWidths=widths, repeatRows=2, style=TableStyle(style)),
        ]
        if page < len(groups):
            story.append(PageBreak())
    teacher = school_class.class_teacher.short_name if school_class.class_teacher else ""
    story += [
        Spacer(1, 10 * mm),
        Paragraph(f"Классный руководитель ____________________ {escape(teacher)}", text),
        Spacer(1, 6 * mm),
        Paragraph("Заместитель директора ____________________          Дата «____» ____________ 20____ г.", text),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=f"Сводная ведомость, {school_class} класс, {year}",
    )
    doc.build(story)
    return buffer.getvalue()
