"""Documents a school prints and signs, as PDF on A4 (DejaVu Sans for the Cyrillic)."""

import io
from xml.sax.saxutils import escape  # names are text, not ReportLab markup

from django.utils import timezone
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, TableStyle

from groundwork.pdf import Table, cyrillic_font, render
from groundwork.spreadsheets import row as spreadsheet_row

SUBJECTS_PER_SHEET = 6  # column groups on one landscape page, each its terms and the year


def summary_sheet_pdf(school, school_class, year, sheet):
    """Сводная ведомость итоговой успешности: sheets of subjects, every pupil on each, the
    signature lines on the last."""
    look = styles()
    font, text, title, small = look["font"], look["text"], look["title"], look["small"]
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
    story += signature_lines(
        text,
        f"Классный руководитель ____________________ {teacher}",
        "Заместитель директора ____________________          Дата «____» ____________ 20____ г.",
    )
    return render(story, title=f"Сводная ведомость, {school_class} класс, {year}", pagesize=landscape(A4))


def styles():
    font = cyrillic_font()
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=11)
    return {
        "font": font,
        "text": text,
        "title": ParagraphStyle("title", parent=text, fontSize=13, leading=16, spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=text, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3),
        "small": ParagraphStyle("small", parent=text, fontSize=7, leading=8),
    }


def grid_style(font, size=8):
    return [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
    ]


def signature_lines(text, *lines):
    return [Spacer(1, 8 * mm)] + [item for line in lines for item in (Paragraph(escape(line), text), Spacer(1, 5 * mm))]


# --- Term and year reports ----------------------------------------------------------

PROGRESS_HEAD = [
    "Класс",
    "Обучающихся",
    "Аттестовано",
    "Отличники",
    "Хорошисты",
    "С одной «3»",
    "С «3»",
    "Неуспевающие",
    "Не аттестованы",
    "Успеваемость, %",
    "Качество знаний, %",
    "Пропущено уроков",
    "по болезни",
    "по уваж. причине",
    "по неуваж. причине",
    "причина не указана",
]
REASON_KEYS = ["illness", "excused", "unexcused", "none"]


def progress_table(report):
    """The report's summary rows (one per class and the total) in PROGRESS_HEAD's order."""

    def row(name, r, count):
        absences = r["absences"] if "all" in r["absences"] else r["absences"]["totals"]
        return [
            name,
            r["pupils"],
            r["attested"],
            count(r["excellent"]),
            count(r["good"]),
            count(r["one_three"]),
            r["threes"],
            count(r["failing"]),
            count(r["not_attested"]),
            r["progress"],
            r["quality"],
            absences["all"],
            *(absences[key] for key in REASON_KEYS),
        ]

    rows = [row(str(r["school_class"]), r, len) for r in report["classes"]]
    if len(rows) > 1:
        rows.append(row("Итого", report["totals"], lambda n: n))
    return rows


def progress_pdf(school, scope, period, report):
    """The deputy's and the class teacher's report at the end of a term or the year: figures,
    the pupils by name (it stays in the school), absences per pupil and subject, signatures."""
    look = styles()
    font, text, title = look["font"], look["text"], look["title"]
    story = [
        Paragraph(escape(school.name), text),
        Paragraph(escape(f"Отчёт об успеваемости и посещаемости: {scope}, {period}"), title),
    ]
    head = [Paragraph(escape(h), look["small"]) for h in PROGRESS_HEAD]
    story.append(Table([head, *progress_table(report)], repeatRows=1, style=TableStyle(grid_style(font))))
    for r in report["classes"]:
        story.append(Paragraph(escape(f"{r['school_class']} класс"), look["heading"]))
        for label, entries in (
            ("Отличники", [e["pupil"].full_name for e in r["excellent"]]),
            ("Хорошисты", [e["pupil"].full_name for e in r["good"]]),
            ("С одной «3»", [f"{e['pupil'].full_name} ({e['subject'].name})" for e in r["one_three"]]),
            ("Неуспевающие", [f"{e['pupil'].full_name}: {', '.join(e['subjects'])}" for e in r["failing"]]),
            (
                "Не аттестованы (нет итоговых отметок)",
                [
                    e["pupil"].full_name + (f" ({', '.join(e['missing'])})" if e["missing"] else "")
                    for e in r["not_attested"]
                ],
            ),
        ):
            story.append(Paragraph(f"<b>{escape(label)}:</b> {escape('; '.join(entries) or '—')}", text))
        for what, items, name in (
            ("Обучающийся", r["absences"]["pupils"], lambda p: p.full_name),
            ("Предмет", r["absences"]["subjects"], lambda s: s.name),
        ):
            if items:
                rows = [[what, "Всего", "по болезни", "уваж.", "неуваж.", "не указана"]] + [
                    [name(item), counts["all"], *(counts[k] for k in REASON_KEYS)] for item, counts in items
                ]
                story += [Spacer(1, 2 * mm), Table(rows, repeatRows=1, style=TableStyle(grid_style(font)))]
    story += signature_lines(
        text,
        "Классный руководитель / заместитель директора ____________________",
        "Дата «____» ____________ 20____ г.",
    )
    return render(story, title=f"Отчёт об успеваемости: {scope}, {period}", pagesize=landscape(A4))


def progress_xlsx(scope, period, report):
    """The same report for a spreadsheet: figures on the first sheet, names and absences after."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Итоги"
    sheet.append([f"Отчёт об успеваемости и посещаемости: {scope}, {period}"])
    sheet.append(PROGRESS_HEAD)
    for row in progress_table(report):
        sheet.append(row)
    names = book.create_sheet("Обучающиеся")
    names.append(["Класс", "Группа", "Обучающийся", "Предметы"])
    for r in report["classes"]:
        for label, key in (
            ("отличник", "excellent"),
            ("хорошист", "good"),
            ("с одной «3»", "one_three"),
            ("неуспевающий", "failing"),
            ("не аттестован", "not_attested"),
        ):
            for e in r[key]:
                subjects = e["subject"].name if "subject" in e else ", ".join(e.get("subjects", []))
                names.append(spreadsheet_row([str(r["school_class"]), label, e["pupil"].full_name, subjects]))
    missed = book.create_sheet("Пропуски")
    missed.append(["Класс", "Обучающийся / предмет", "Всего", "по болезни", "уваж.", "неуваж.", "не указана"])
    for r in report["classes"]:
        for pupil, counts in r["absences"]["pupils"]:
            missed.append([str(r["school_class"]), pupil.full_name, counts["all"], *(counts[k] for k in REASON_KEYS)])
        for subject, counts in r["absences"]["subjects"]:
            missed.append([str(r["school_class"]), subject.name, counts["all"], *(counts[k] for k in REASON_KEYS)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- The paper copy of the journal ---------------------------------------------------

LESSONS_PER_PAGE = 22


def journal_copy_pdf(school, school_class, term, journals, copy=None):
    """The class journal of a period on paper: for every subject the class list with marks and
    absences by lesson and the period mark, then the lessons with topic and homework; numbered
    pages with their count, and the lines for the deputy's certification. `copy`: its entry in the
    register of paper copies (None in the electronic archive)."""
    look = styles()
    font, text, small = look["font"], look["text"], look["small"]
    period = f"{term} ({term.starts_on:%d.%m.%Y}–{term.ends_on:%d.%m.%Y}), {term.year} учебный год"
    story = [
        Paragraph(escape(school.name), text),
        Paragraph(escape(f"Копия электронного журнала: {school_class} класс, {period}"), look["title"]),
        Paragraph(
            escape(
                f"Копия № {copy.number}, распечатана {timezone.localtime(copy.printed_at):%d.%m.%Y %H:%M} "
                f"({copy.printed_by.full_name}). Предметов: {len(journals)}."
                if copy
                else f"Электронный архив. Предметов: {len(journals)}."
            ),
            text,
        ),
    ]
    for subject, grid in journals:
        lessons, rows = grid["lessons"], grid["rows"]
        teachers = sorted({(lesson.taught_by or lesson.teacher).full_name for lesson in lessons})
        story += [PageBreak(), Paragraph(escape(f"{subject.name} — {', '.join(teachers)}"), look["heading"])]
        chunks = [lessons[n : n + LESSONS_PER_PAGE] for n in range(0, max(len(lessons), 1), LESSONS_PER_PAGE)]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            offset = index * LESSONS_PER_PAGE
            head = ["№", "Обучающийся"] + [f"{lesson.date:%d.%m}" for lesson in chunk] + ([str(term)] if last else [])
            body = []
            for n, row in enumerate(rows, 1):
                cells = []
                for cell in row["cells"][offset : offset + len(chunk)]:
                    marks = " ".join(mark.value for mark in cell["marks"])
                    absent = cell["attendance"].get_status_display() if cell["attendance"] else ""
                    cells.append(" ".join(filter(None, [absent, marks])))
                final = [row["final"].value if row["final"] else ""] if last else []
                body.append([str(n), Paragraph(escape(row["pupil"].full_name), small), *cells, *final])
            widths = [7 * mm, 48 * mm] + [9.5 * mm] * len(chunk) + ([18 * mm] if last else [])
            style = grid_style(font, 7) + [("ALIGN", (2, 0), (-1, -1), "CENTER")]
            table = Table([head, *body], colWidths=widths, repeatRows=1, style=TableStyle(style), hAlign="LEFT")
            story += [table, Spacer(1, 3 * mm)]
        lesson_rows = [["Дата", "Урок", "Тема урока", "Домашнее задание", "Провёл(а)"]] + [
            [
                f"{lesson.date:%d.%m.%Y}",
                str(lesson.number),
                Paragraph(
                    escape("Урок отменён: " + lesson.cancel_reason if lesson.cancelled_at else lesson.topic), small
                ),
                Paragraph(escape("не задано" if lesson.homework_none else lesson.homework), small),
                Paragraph(escape((lesson.taught_by or lesson.teacher).short_name), small),
            ]
            for lesson in lessons
        ]
        widths = [20 * mm, 11 * mm, 100 * mm, 100 * mm, 35 * mm]
        story.append(
            Table(lesson_rows, colWidths=widths, repeatRows=1, style=TableStyle(grid_style(font, 7)), hAlign="LEFT")
        )
    story += signature_lines(
        text,
        "Правильность переноса данных проверил(а): заместитель директора ____________________ "
        "(____________________)   Дата «____» ____________ 20____ г.",
        "Пронумеровано, прошито и внесено в реестр бумажных копий: ____________________   "
        f"Регистрационный № {copy.number if copy else '______'}",
    )
    label = f"{school_class} класс, {term}" + (f", копия № {copy.number}. " if copy else ". ")
    return render(story, title=f"Копия журнала, {school_class} класс, {term}", pagesize=landscape(A4), page_label=label)


def check_pdf(school, check, remarks):
    """Справка о проверке журнала: what was checked, the summary, each remark with its deadline
    and where it stands, the signature lines."""
    look = styles()
    text, title = look["text"], look["title"]
    rows = [["№", "Замечание", "Срок", "Состояние", "Ответ учителя"]] + [
        [
            str(n),
            Paragraph(escape(r.text), text),
            f"{r.due_on:%d.%m.%Y}",
            Paragraph(escape(r.get_state_display()), text),
            Paragraph(escape(r.answer or r.returned_reason or ""), text),
        ]
        for n, r in enumerate(remarks, 1)
    ]
    story = [
        Paragraph(escape(school.name), text),
        Paragraph("Справка о проверке электронного журнала", title),
        Paragraph(
            escape(
                f"Класс {check.school_class}, предмет «{check.subject.name}», период: {check.term}. "
                f"Проверка {timezone.localtime(check.checked_at):%d.%m.%Y}."
            ),
            text,
        ),
        Spacer(1, 3 * mm),
        Paragraph(escape(check.summary or "Итог не записан."), text),
        Spacer(1, 3 * mm),
    ]
    if remarks:
        story.append(
            Table(
                rows,
                colWidths=[8 * mm, 75 * mm, 20 * mm, 30 * mm, 45 * mm],
                repeatRows=1,
                style=grid_style(look["font"]),
            )
        )
    story += signature_lines(
        text, "Заместитель директора: ____________________", "С справкой ознакомлен(а): ____________________"
    )
    return render(story, title="Справка о проверке журнала")
