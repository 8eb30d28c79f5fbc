"""The weekly progress report on paper, for parents who do not use the portal (shared/seeds
001, Регламент ЭД п. 2: at least once a week). One A4 page per pupil, in Russian."""

from datetime import timedelta
from xml.sax.saxutils import escape  # names and subjects are text, not ReportLab markup

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, TableStyle

from groundwork.pdf import Table, cyrillic_font, printed, render

from . import selectors


@printed
def weekly_report(school, school_class, monday, pupils, term):
    font = cyrillic_font()
    text = ParagraphStyle("text", fontName=font, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=text, fontSize=14, leading=18, spaceAfter=6)
    sunday = monday + timedelta(days=6)
    story = []
    for n, pupil in enumerate(pupils):
        summary = selectors.week_summary(pupil, monday, sunday)
        by_subject = {
            subject: [f"{mark.value} ({mark.lesson.date:%d.%m}, {mark.work_type.name.lower()})" for mark in marks]
            for subject, marks in summary["marks"].items()
        }
        averages = (
            {row["subject"].name: row["average"] for row in selectors.marks_by_subject(pupil, term)} if term else {}
        )
        # The heads wrap within their columns (a plain string would run over the next one).
        rows = [[Paragraph(head, text) for head in (_("Предмет"), _("Отметки за неделю"), _("Средний балл за период"))]]
        for subject in sorted(set(by_subject) | set(averages)):
            average = averages.get(subject)
            rows.append(
                [
                    Paragraph(escape(subject), text),
                    Paragraph(escape("; ".join(by_subject.get(subject, [])) or "—"), text),
                    average if average is not None else "—",
                ]
            )
        story += [
            Paragraph(escape(school.name), text),
            Paragraph(
                _("Сведения об успеваемости и посещаемости за неделю %(monday)s — %(sunday)s")
                % {"monday": format(monday, "%d.%m.%Y"), "sunday": format(sunday, "%d.%m.%Y")},
                title,
            ),
            Paragraph(
                _("Обучающийся: <b>%(pupil)s</b>, %(school_class)s класс")
                % {"pupil": escape(pupil.full_name), "school_class": escape(str(school_class))},
                text,
            ),
            Spacer(1, 4 * mm),
            Table(
                rows,
                colWidths=[45 * mm, 95 * mm, 35 * mm],
                repeatRows=1,
                style=TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), font, 10),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                ),
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                _("Пропущено уроков за неделю: %(missed)s; опозданий: %(late)s.")
                % {"missed": summary["absent"], "late": summary["late"]},
                text,
            ),
            Spacer(1, 12 * mm),
            Paragraph(
                _("Классный руководитель: ____________________ %(value)s")
                % {"value": escape(school_class.class_teacher.short_name) if school_class.class_teacher else ""},
                text,
            ),
            Spacer(1, 6 * mm),
            Paragraph(_("С отметками ознакомлен(а), родитель (законный представитель): ____________________"), text),
        ]
        if n < len(pupils) - 1:
            story.append(PageBreak())
    return render(
        story,
        title=_("Еженедельный отчёт, %(school_class)s класс") % {"school_class": school_class},
        margins=(18, 18, 18, 18),
        school=school.name,
    )
