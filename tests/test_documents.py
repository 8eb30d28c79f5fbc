"""Every PDF the product makes, read back as text with Poppler's pdftotext: no page without
content (a title alone, or only the page number), every page numbered «Страница N из M», no
table heading broken inside a word, numbers with a decimal comma."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from journal import documents
from journal import services as journal
from journal.models import FinalMark, Lesson
from journal.selectors import exam_sheet
from monitoring.models import Report
from monitoring.reports import make_district_report, make_school_report, previous_month, previous_week, table


def pages_of(pdf, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed: apt-get install poppler-utils")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()] or [""]


def check_pdf(pdf, tmp_path, heads=(), name=""):
    """The pages' text: each numbered and holding more than its number; every word of the table
    heads whole somewhere in the document (a word cut by a line break would not be)."""
    assert pdf.startswith(b"%PDF"), name
    pages = pages_of(pdf, tmp_path)
    for n, page in enumerate(pages, 1):
        assert f"Страница {n} из {len(pages)}" in page, (name, n)
        content = re.sub(r".*Страница \d+ из \d+.*", "", page).strip()
        assert content, (name, f"page {n} holds nothing but its number")
    words = " ".join(pages).split()
    for head in heads:
        for word in re.findall(r"[А-Яа-яЁё]{5,}", str(head)):
            assert word in words or any(word in w for w in words), (name, f"«{word}» is broken inside the word")
    return pages


@pytest.fixture
def term_marks(world):
    """5А's closed term: maths 5, 4, 2 and Russian 5, 5, 4, so the reports have figures to print."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        for subject, values in ((cal.math, ("5", "4", "2")), (cal.russian, ("5", "5", "4"))):
            for pupil, value in zip(a.pupils[:3], values, strict=True):
                FinalMark.objects.create(
                    pupil=pupil, subject=subject, school_class=a.school_class, year=cal.year, term=cal.closed_term,
                    value=value, entered_by=a.class_teacher,
                )  # fmt: skip


def test_the_journals_documents_have_no_empty_page_and_no_broken_heading(world, enter, tmp_path, term_marks, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    a, cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    progress = deputy.get(f"/reports/progress/?class={a.school_class.pk}&period={cal.closed_term.pk}&format=pdf")
    pages = check_pdf(progress.content, tmp_path, documents.PROGRESS_HEAD, "progress")
    assert "66,7" in " ".join(pages) and "66.7" not in " ".join(pages)  # успеваемость 2 of 3, with a comma
    # The frame of every page: the school and the document above, who made it on the right.
    assert all(a.school.name in page and f"Сформировал(а): {a.deputy.short_name}" in page for page in pages)
    check_pdf(deputy.get(f"/classes/{a.school_class.pk}/summary.pdf").content, tmp_path, (), "summary sheet")
    check_pdf(
        deputy.get(f"/reports/programme/?period={cal.term.pk}&format=pdf").content,
        tmp_path,
        documents.PROGRAMME_HEAD,
        "programme",
    )
    check_pdf(
        deputy.get(f"/reports/subjects/?period={cal.closed_term.pk}&format=pdf").content,
        tmp_path,
        documents.STATISTICS_HEAD,
        "statistics",
    )
    with schema_context(a.school.schema_name):
        day = (
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=timezone.localdate())
            .order_by("-date")
            .values_list("date", flat=True)[0]
        )
        exam = journal.schedule_exam(
            school=a.school, school_class=a.school_class, subject=cal.math, kind="attestation", form="test",
            held_on=day, by=a.deputy,
        )  # fmt: skip
        sheet_head = documents._exam_rows(exam_sheet(exam))[0]
        copy = journal.print_journal_copy(a.school, school_class=a.school_class, term=cal.closed_term, by=a.deputy)
        check = journal.check_journal(
            school=a.school, school_class=a.school_class, subject=cal.math, term=cal.term, summary="Итог проверки",
            remarks=[("Заполнить темы уроков", timezone.localdate() + timedelta(days=3))], by=a.deputy,
        )  # fmt: skip
    check_pdf(deputy.get(f"/exams/{exam.pk}/?format=pdf").content, tmp_path, sheet_head, "exam sheet")
    pages = check_pdf(copy.file.read(), tmp_path, (), "paper copy")
    assert "Математика" in pages[0]  # the first subject starts under the title, not on a sheet of its own
    check_pdf(deputy.get(f"/checks/{check.pk}/?format=pdf").content, tmp_path, (), "check")
    teacher = enter(a.class_teacher, a.host)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    check_pdf(
        teacher.get(f"/classes/{a.school_class.pk}/weekly-report/?week={monday}&format=pdf").content,
        tmp_path,
        (),
        "weekly report",
    )


def test_the_districts_and_schools_reports_have_no_empty_page_and_no_broken_heading(world, enter, tmp_path):
    a, made = world.a, {}
    for school, deputy in ((a.school, a.deputy), (world.b.school, world.b.deputy)):
        with schema_context(school.schema_name):
            made[school] = make_school_report(Report.Kind.ACTIVITY, previous_week(), by=deputy)
            make_school_report(Report.Kind.FILLING, previous_month(), by=deputy)
    school_report = made[a.school]
    district = make_district_report(Report.Kind.ACTIVITY, previous_week(), by=world.official)
    filling = make_district_report(Report.Kind.FILLING, previous_month(), by=world.official)
    official = enter(world.official)
    for report in (district, filling):
        check_pdf(
            official.get(f"/district/quality/reports/{report.pk}.pdf").content, tmp_path, table(report)[0], "district"
        )
    check_pdf(
        enter(a.deputy, a.host).get(f"/quality/reports/{school_report.pk}.pdf").content, tmp_path, (), "school report"
    )


def test_every_spreadsheet_has_its_heading_a_frozen_head_widths_and_a_russian_sheet_name(world, enter, term_marks):
    import io

    from openpyxl import load_workbook

    a, cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    month = timezone.localdate().replace(day=1)
    with schema_context(a.school.schema_name):
        made = make_school_report(Report.Kind.FILLING, previous_month(), by=a.deputy)
    files = {
        "progress": deputy.get(f"/reports/progress/?class={a.school_class.pk}&period={cal.closed_term.pk}&format=xlsx"),
        "missed": deputy.get(f"/control/missed-lessons/?month={month:%Y-%m}&format=xlsx"),
        "statistics": deputy.get(f"/reports/subjects/?period={cal.closed_term.pk}&format=xlsx"),
        "programme": deputy.get(f"/reports/programme/?period={cal.term.pk}&format=xlsx"),
        "quality report": deputy.get(f"/quality/reports/{made.pk}.xlsx"),
    }
    for name, answer in files.items():
        sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
        assert not re.fullmatch(r"[\d-]+", sheet.title), (name, sheet.title)  # «ноябрь 2026», not 2026-11-01
        assert sheet.freeze_panes and sheet.freeze_panes != "A1", name
        head_row = int(re.sub(r"\D", "", sheet.freeze_panes)) - 1
        assert sheet.cell(row=head_row, column=1).font.bold and sheet.cell(row=1, column=1).font.bold, name
        assert sheet.column_dimensions["B"].width >= 8, name
    missed = load_workbook(io.BytesIO(files["missed"].content)).worksheets[0]
    assert (
        missed.title
        == f"{['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'][month.month - 1]} {month.year}"
    )


def test_names_are_declined_where_a_sentence_needs_it():
    from types import SimpleNamespace

    from groundwork.names import short_name_in

    def person(last, first, middle):
        return SimpleNamespace(last_name=last, first_name=first, middle_name=middle)

    assert short_name_in(person("Лебедева", "Ольга", "Михайловна"), "accusative") == "Лебедеву О. М."
    assert short_name_in(person("Лебедев", "Олег", "Михайлович"), "accusative") == "Лебедева О. М."
    assert short_name_in(person("Петренко", "Анна", "Ивановна"), "accusative") == "Петренко А. И."
    assert short_name_in(person("Сидорова", "Мария", ""), "genitive") == "Сидоровой М."


def test_the_invoice_and_the_act_have_no_empty_page(world, enter, tmp_path):
    from datetime import date
    from decimal import Decimal

    from billing import services as billing
    from billing.models import Invoice, Payer, Plan

    payer = Payer.objects.create(name="Управление образования", inn="5001007329")
    plan = Plan.objects.create(name="За школу", kind="per_school", tiers=[["0", "100"]], vat_rate=22)
    contract = billing.create_contract(
        payer=payer, number="7", signed_on=date(2026, 11, 1), starts_on=date(2026, 11, 1), plan=plan,
        schools=[world.a.school], by=world.operator,
    )  # fmt: skip
    invoice = Invoice.objects.create(
        year=2026, number=18, issued_on=date(2026, 12, 1), due_on=date(2026, 12, 11), month=date(2026, 11, 1),
        payer=payer, contract=contract, plan=plan, net=Decimal("10000"), vat=Decimal("2200"), total=Decimal("12200"),
    )  # fmt: skip
    operator = enter(world.operator)
    pages = check_pdf(operator.get(f"/district/billing/invoices/{invoice.pk}.pdf").content, tmp_path, (), "invoice")
    assert "12 200,00" in " ".join(pages)
    check_pdf(operator.get(f"/district/billing/invoices/{invoice.pk}.act").content, tmp_path, (), "act")


def test_a_word_agrees_with_its_number():
    from groundwork.names import counted

    assert [counted(n, "журнал") for n in (1, 2, 5, 11, 21, 0)] == [
        "1 журнал",
        "2 журнала",
        "5 журналов",
        "11 журналов",
        "21 журнал",
        "0 журналов",
    ]
    assert counted(3, "замечание") == "3 замечания"
