"""Documents a school prints and signs, as PDF on A4 (DejaVu Sans for the Cyrillic)."""

from decimal import Decimal
from xml.sax.saxutils import escape  # names are text, not ReportLab markup

from django.utils import timezone
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, TableStyle

from groundwork.names import counted
from groundwork.pdf import Table, cyrillic_font, printed, render
from groundwork.spreadsheets import XLSX, table_xlsx, workbook_bytes
from groundwork.spreadsheets import row as spreadsheet_row

from .models import Lesson

CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX}
SUBJECTS_PER_SHEET = 6  # column groups on one landscape page, each its terms and the year


@printed
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
    return render(
        story, title=f"Сводная ведомость, {school_class} класс, {year}", pagesize=landscape(A4), school=school.name
    )


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
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
    ]


def signature_lines(text, *lines):
    return [Spacer(1, 8 * mm)] + [item for line in lines for item in (Paragraph(escape(line), text), Spacer(1, 5 * mm))]


# --- Term and year reports ----------------------------------------------------------

# The document is Russian; the page that shows the same table translates these (gettext_noop).

PROGRESS_HEAD = [
    gettext_noop("Класс"),
    gettext_noop("Обучающихся"),
    gettext_noop("Аттестовано"),
    gettext_noop("Отличники"),
    gettext_noop("Хорошисты"),
    gettext_noop("С одной «3»"),
    gettext_noop("С «3»"),
    gettext_noop("Неуспевающие"),
    gettext_noop("Не аттестованы"),
    gettext_noop("Успеваемость, %"),
    gettext_noop("Качество знаний, %"),
    gettext_noop("Пропущено уроков"),
    gettext_noop("по болезни"),
    gettext_noop("по уваж. причине"),
    gettext_noop("по неуваж. причине"),
    gettext_noop("причина не указана"),
]
REASON_KEYS = ["illness", "excused", "unexcused", "none"]


def progress_table(report, total="Итого"):
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
        rows.append(row(total, report["totals"], lambda n: n))
    return rows


@printed
def progress_pdf(school, scope, period, report, author=""):
    """The deputy's and the class teacher's report at the end of a term or the year: figures,
    the pupils by name (it stays in the school), absences per pupil and subject, signatures."""
    look = styles()
    font, text, title = look["font"], look["text"], look["title"]
    story = [
        Paragraph(escape(school.name), text),
        Paragraph(escape(f"Отчёт об успеваемости и посещаемости: {scope}, {period}"), title),
    ]
    head = [Paragraph(escape(h), look["small"]) for h in PROGRESS_HEAD]
    widths = [22 * mm] + [255 * mm / (len(PROGRESS_HEAD) - 1)] * (len(PROGRESS_HEAD) - 1)
    story.append(
        Table([head, *progress_table(report)], colWidths=widths, repeatRows=1, style=TableStyle(grid_style(font)))
    )
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
            (
                "Академическая задолженность по итогам аттестации",
                [f"{e['pupil'].full_name} ({', '.join(e['subjects'])})" for e in r["exam_debts"]],
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
    return render(
        story,
        title=f"Отчёт об успеваемости: {scope}, {period}",
        pagesize=landscape(A4),
        school=school.name,
        author=author,
    )


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
    return workbook_bytes(book)


# --- The paper copy of the journal ---------------------------------------------------

LESSONS_PER_PAGE = 22


@printed
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
    for index, (subject, grid) in enumerate(journals):
        lessons, rows = grid["lessons"], grid["rows"]
        teachers = sorted({(lesson.taught_by or lesson.teacher).full_name for lesson in lessons})
        # Each subject on a sheet of its own; the first under the title (no sheet with a title alone).
        story += [PageBreak()] if index else []
        story.append(Paragraph(escape(f"{subject.name} — {', '.join(teachers)}"), look["heading"]))
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
    return render(
        story,
        title=f"Копия журнала, {school_class} класс, {term}",
        pagesize=landscape(A4),
        page_label=label,
        school=school.name,
        author=copy.printed_by.short_name if copy else "",
    )


@printed
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
    return render(story, title="Справка о проверке журнала", school=school.name, author=check.checked_by.short_name)


# --- The exam sheet ------------------------------------------------------------------


def _exam_title(exam):
    return (
        f"Экзаменационная ведомость: {exam.get_kind_display()}, {exam.subject.name}, {exam.school_class} класс, "
        f"{exam.get_form_display()}, {exam.held_on:%d.%m.%Y}"
    )


def _exam_rows(sheet):
    """The sheet's table: pupil, marks of the year, average, lessons missed, term and year marks,
    each attempt's result with its day, the result."""
    head = ["№", "Обучающийся", "Отметки за год", "Средний балл", "Пропущено уроков"]
    head += [str(t) for t in sheet["terms"]] + ["Год"]
    head += ["Результат"] + [f"Пересдача {n - 1}" for n in sheet["attempts"] if n > 1] + ["Итог"]
    body = []
    for n, row in enumerate(sheet["rows"], 1):
        attempts = [f"{a.value} ({a.held_on:%d.%m})" if a else "" for a in row["attempts"]]
        body.append(
            [n, row["pupil"].full_name, row["marks"], str(row["average"] or ""), row["missed"]]
            + row["terms"]
            + [row["year_mark"]]
            + attempts
            + [row["result"].value if row["result"] else ""]
        )
    return head, body


@printed
def exam_sheet_pdf(school, exam, sheet, author=""):
    look = styles()
    font, text, small = look["font"], look["text"], look["small"]
    head, body = _exam_rows(sheet)
    cells = [[Paragraph(escape(h), small) for h in head]] + [
        [row[0], Paragraph(escape(row[1]), small), Paragraph(escape(row[2]), small), *row[3:]] for row in body
    ]
    widths = [8 * mm, 50 * mm, 60 * mm, 15 * mm, 15 * mm] + [13 * mm] * (len(head) - 5)
    style = grid_style(font, 7) + [("ALIGN", (3, 0), (-1, -1), "CENTER")]
    story = [
        Paragraph(escape(school.name), text),
        Paragraph(escape(_exam_title(exam)), look["title"]),
        Table(cells, colWidths=widths, repeatRows=1, style=TableStyle(style), hAlign="LEFT"),
    ]
    story += signature_lines(
        text,
        "Учитель (экзаменатор) ____________________   Ассистент ____________________",
        "Заместитель директора ____________________          Дата «____» ____________ 20____ г.",
    )
    return render(story, title=_exam_title(exam), pagesize=landscape(A4), school=school.name, author=author)


def exam_sheet_xlsx(school, exam, sheet):
    head, body = _exam_rows(sheet)
    return table_xlsx([school.name, _exam_title(exam)], head, body, sheet="Ведомость")


# --- Programme fulfilment ------------------------------------------------------------

PROGRAMME_HEAD = [
    "Класс",
    "Предмет",
    "По учебному плану, ч",
    "По КТП, ч",
    "По расписанию",
    "Проведено",
    "Из них заменой",
    "Отменено",
    "Впереди",
    "Отставание",
    "Выполнено, %",
    "Причина отставания",
    "Корректировка КТП",
]


def programme_table(report):
    return [
        [
            f"{r['school_class']}" + (f" ({r['subgroup'].name})" if r["subgroup"] else ""),
            r["subject"].name,
            r["curriculum"] if r["curriculum"] is not None else "—",
            r["planned"] or "—",
            r["scheduled"],
            r["held"],
            r["replaced"],
            r["cancelled"],
            r["ahead"],
            r["shortfall"] if r["shortfall"] is not None else "—",
            r["done"] if r["done"] is not None else "—",
            r["note"].shortfall_reason if r["note"] else "",
            r["note"].plan_correction if r["note"] else "",
        ]
        for r in report["rows"]
    ]


def _programme_title(report):
    term = report["term"]
    if term is None:
        return f"Выполнение программы: {report['year']} учебный год (периоды, начавшиеся к {timezone.localdate():%d.%m.%Y})"
    return (
        f"Выполнение программы: {term}, {term.starts_on:%d.%m}–{term.ends_on:%d.%m.%Y} "
        f"(учебных недель: {report['weeks']})"
    )


@printed
def programme_pdf(school, report, author=""):
    look = styles()
    font, small = look["font"], look["small"]
    totals = report["totals"]
    body = [[Paragraph(escape(str(v)), small) for v in row] for row in programme_table(report)]
    story = [
        Paragraph(escape(school.name), look["text"]),
        Paragraph(escape(_programme_title(report)), look["title"]),
        Paragraph(
            escape(
                f"{counted(totals['journals'], 'журнал')}, с отставанием — {totals['behind']}. Часов по учебному плану "
                f"{totals['curriculum']}, проведено {totals['held']} (заменой {totals['replaced']}), "
                f"отменено {totals['cancelled']}; выполнено {totals['done'] if totals['done'] is not None else '—'} %."
            ),
            look["text"],
        ),
        Spacer(1, 2 * mm),
        Table(
            [[Paragraph(escape(h), small) for h in PROGRAMME_HEAD], *body],
            colWidths=[16 * mm, 30 * mm] + [17 * mm] * 9 + [39 * mm, 39 * mm],
            repeatRows=1,
            style=TableStyle(grid_style(font, 7)),
        ),
    ]
    story += signature_lines(
        look["text"], "Заместитель директора ____________________   Дата «____» ____________ 20____ г."
    )
    return render(story, title=_programme_title(report), pagesize=landscape(A4), school=school.name, author=author)


def programme_xlsx(school, report):
    book = Workbook()
    sheet = book.active
    sheet.title = "Выполнение программы"
    sheet.append([school.name])
    sheet.append([_programme_title(report)])
    sheet.append(PROGRAMME_HEAD + [f"Проведено: {label}" for label in Lesson.Kind.labels])
    for r, row in zip(report["rows"], programme_table(report), strict=True):
        sheet.append(spreadsheet_row(row + [n for _, n in r["kinds"]]))
    return workbook_bytes(book)


# --- Statistics by subject and teacher -----------------------------------------------

STATISTICS_HEAD = ["", "Учитель", "Обучающихся", "«5»", "«4»", "«3»", "«2»", "Без отметки", "Успеваемость, %"]
STATISTICS_HEAD += ["Качество, %", "СОУ, %", "Средний балл", "Δ успеваемость", "Δ качество", "Δ СОУ", "Δ средний балл"]


def statistics_sections(report):
    """(title, rows) of the report in STATISTICS_HEAD's order."""

    def row(r):
        change = r["change"] or {}
        return [
            r["label"],
            r["teacher"].short_name if r.get("teacher") else "",
            r["pupils"],
            r["n5"],
            r["n4"],
            r["n3"],
            r["n2"],
            r["unmarked"],
            *(r[k] for k in ("progress", "quality", "learning", "average")),
            *(change.get(k) for k in ("progress", "quality", "learning", "average")),
        ]

    return [
        ("Всего", [row(report["total"])]),
        ("По предметам", [row(r) for r in report["subjects"]]),
        ("По учителям", [row(r) for r in report["teachers"]]),
        ("По классам и предметам", [row(r) for r in report["journals"]]),
    ]


def _statistics_title(report):
    term = report["term"]
    before = f"; изменение к периоду «{report['previous']}»" if report["previous"] else ""
    return f"Статистика успеваемости: {term}, {term.starts_on:%d.%m}–{term.ends_on:%d.%m.%Y}{before}"


def _blank(value):
    return "—" if value is None else str(value)


@printed
def statistics_pdf(school, report, pupils=None, author=""):
    look = styles()
    font, small = look["font"], look["small"]
    story = [Paragraph(escape(school.name), look["text"]), Paragraph(escape(_statistics_title(report)), look["title"])]
    for title, rows in statistics_sections(report):
        story += [
            Paragraph(escape(title), look["heading"]),
            Table(
                [[Paragraph(escape(h), small) for h in STATISTICS_HEAD]]
                + [[Paragraph(escape(_blank(v)), small) for v in row] for row in rows],
                colWidths=[45 * mm, 25 * mm] + [207 * mm / (len(STATISTICS_HEAD) - 2)] * (len(STATISTICS_HEAD) - 2),
                repeatRows=1,
                style=TableStyle(grid_style(font, 7)),
            ),
        ]
    if pupils:
        story += [
            Paragraph(escape(f"{pupils['journal']['label']}: обучающиеся"), look["heading"]),
            Table(
                [["№", "Обучающийся", "Средневзвешенный балл", "Отметка за период"]]
                + [
                    [
                        n,
                        Paragraph(escape(p.full_name), small),
                        _blank(average),
                        (value or "—") + (" (прогноз)" if forecast and value else ""),
                    ]
                    for n, (p, value, average, forecast) in enumerate(pupils["rows"], 1)
                ],
                style=TableStyle(grid_style(font, 7)),
                hAlign="LEFT",
            ),
        ]
    return render(story, title=_statistics_title(report), pagesize=landscape(A4), school=school.name, author=author)


def statistics_xlsx(school, report, pupils=None):
    book = Workbook()
    sheet = book.active
    sheet.title = "Статистика"
    sheet.append([school.name])
    sheet.append([_statistics_title(report)])
    for title, rows in statistics_sections(report):
        sheet.append([])
        sheet.append([title])
        sheet.append(STATISTICS_HEAD)
        for row in rows:
            sheet.append(spreadsheet_row([float(v) if isinstance(v, Decimal) else v for v in row]))
    if pupils:
        names = book.create_sheet("Обучающиеся")
        names.append([pupils["journal"]["label"]])
        names.append(["№", "Обучающийся", "Средневзвешенный балл", "Отметка за период", "Прогноз"])
        for n, (p, value, average, forecast) in enumerate(pupils["rows"], 1):
            names.append(
                spreadsheet_row(
                    [
                        n,
                        p.full_name,
                        float(average) if average else None,
                        value or "",
                        "да" if forecast and value else "",
                    ]
                )
            )
    return workbook_bytes(book)
