"""What an outside probe answered with a server error, each now a clear refusal or a page: ids
and dates checked before any write or arithmetic, bank files with impossible sums, and every
PDF rendering whatever was typed into it."""

import io
from datetime import timedelta

import pypdf
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from billing import services as billing
from journal.models import Lesson, Pupil

PAST_BIGINT = 2**63 + 7


def statement(amount="1000.00", payer="ООО Ромашка"):
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "СекцияДокумент=Платежное поручение",
        "Номер=17",
        "Дата=02.11.2026",
        f"Сумма={amount}",
        "ПлательщикИНН=5001007329",
        f"Плательщик1={payer}",
        f"ПолучательИНН={settings.BILLING_SUPPLIER['inn']}",
        "КонецДокумента",
        "КонецФайла",
    ]
    return "\r\n".join(lines).encode("cp1251")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "1E+30", "1234567890123456.00", "-5.00", "0", "1.005"])
def test_a_bank_file_with_an_impossible_sum_is_refused_naming_its_line(world, amount):
    with pytest.raises(ValidationError, match="Документ со строки 3: сумма"):
        billing.import_statement(statement(amount), filename="bank.txt", by=world.operator)


def test_a_bank_file_with_a_400_letter_payer_is_read(world):
    (payment,), _ = billing.import_statement(statement(payer="Ф" * 400), filename="bank.txt", by=world.operator)
    assert len(payment.payer_name) == 300


def test_the_billing_console_refuses_a_bad_month_or_id_in_words(world, enter):
    operator = enter(world.operator)
    for month in ("2026-13", "0001-01", "9999-12", "abc"):
        page = operator.get(f"/district/billing/invoices/?month={month}", follow=True)
        assert page.status_code == 200 and "Месяц указывается как ГГГГ-ММ" in page.content.decode(), month
        closed = operator.post("/district/billing/", {"month": month}, follow=True)
        assert closed.status_code == 200 and "Месяц указывается" in closed.content.decode(), month
    for payment in ("abc", str(PAST_BIGINT), "-1"):
        matched = operator.post("/district/billing/payments/", {"action": "match", "payment": payment, "invoice": "1"})
        assert matched.status_code == 404, payment


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-31", "2026-02-30", "x"])
def test_pages_of_a_day_or_week_take_any_date_typed_into_the_address(world, enter, day):
    a = world.a
    deputy, teacher = enter(a.deputy, a.host), enter(a.class_teacher, a.host)
    for path in ("/substitutions/?date=", "/control/missed-lessons/?month=", "/quality/?month="):
        assert deputy.get(path + day).status_code in (200, 302), path
    assert teacher.get(f"/timetable/?week={day}").status_code == 200
    parent = enter(world.parent)
    child = f"/children/{a.school.slug}/{a.pupils[0].pk}/"
    assert parent.get(f"{child}?week={day}").status_code == 200
    assert enter(a.pupil_user, a.host).get(f"/diary/?week={day}").status_code == 200


def test_a_child_id_past_bigint_is_a_404_and_its_refusal_is_written(world, enter):
    before = AuditEntry.objects.filter(action="diary.denied").count()
    response = enter(world.parent).get(f"/children/{world.a.school.slug}/{PAST_BIGINT}/")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action="diary.denied").count() == before + 1


HOSTILE = "Ш" * 2500 + ' <b>жирный</b> &amp; <para> ]]> "кавычки" ' + "\n" * 120 + '=HYPERLINK("http://x")'


def pdf_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and content.startswith(b"%PDF"), response.status_code
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_every_pdf_renders_whatever_was_typed_into_it(world, enter):
    """Before: a frozen monthly report whose reason was long or held markup could not be printed
    (ReportLab's LayoutError); a published report must always print."""
    from journal import services as journal
    from monitoring.reports import make_school_report

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = Lesson.objects.filter(school_class=a.school_class, term=cal.term).order_by("date").first()
        closed = Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term).order_by("date").first()
        Lesson.objects.filter(pk__in=[lesson.pk, closed.pk]).update(topic=HOSTILE[:500], homework=HOSTILE)
        Pupil.objects.filter(pk=a.pupils[0].pk).update(last_name="Щ" * 100)
        journal.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=lesson.teacher)
        monday = lesson.date - timedelta(days=lesson.date.weekday())
        report = make_school_report("activity", monday, by=a.deputy)
        type(report).objects.filter(pk=report.pk).update(reason=HOSTILE[:500])
    deputy = enter(a.deputy, a.host)
    c5 = a.school_class.pk
    assert "Щ" in pdf_text(deputy.get(f"/classes/{c5}/weekly-report/?week={lesson.date}"))
    assert pdf_text(deputy.get(f"/classes/{c5}/summary.pdf"))
    assert pdf_text(deputy.get(f"/reports/progress/?class={c5}&format=pdf"))
    assert "Причина" in pdf_text(deputy.get(f"/quality/reports/{report.pk}.pdf"))
    copy = deputy.post("/journal-copies/", {"school_class": c5, "term": cal.closed_term.pk}, follow=True)
    assert copy.status_code == 200
    with schema_context(a.school.schema_name):
        from journal.models import PrintedCopy

        printed = PrintedCopy.objects.order_by("-pk").first()
    assert "Ш" in pdf_text(deputy.get(f"/journal-copies/{printed.pk}.pdf"))


def test_the_districts_frozen_report_prints_whatever_reason_was_typed(world, enter):
    from monitoring.models import Report, SchoolMonth
    from monitoring.reports import previous_month

    month = previous_month()
    SchoolMonth.objects.create(school=world.a.school, month=month, code="Q1", numerator=49, denominator=50)
    official = enter(world.official)
    period = {"kind": "quality", "period": month.strftime("%Y-%m")}
    official.post("/district/quality/reports/", period)
    for reason in (HOSTILE[:500], "<b>" * 125, "Ш " * 250):
        official.post("/district/quality/reports/", {**period, "reason": reason})
        latest = Report.objects.filter(kind="quality", school__isnull=True, starts_on=month).order_by("-version")[0]
        assert "Причина" in pdf_text(official.get(f"/district/quality/reports/{latest.pk}.pdf"))


def test_an_invoice_prints_whatever_the_payers_requisites_say(world, enter):
    from django.utils import timezone

    from billing.models import Invoice, Payer, Plan

    today = timezone.localdate()
    payer = Payer.objects.create(name=HOSTILE[:300], inn="5001007329")
    plan = Plan.objects.create(name="За школу", kind="per_school", tiers=[["0", "100"]], vat_rate=22)
    contract = billing.create_contract(
        payer=payer,
        number="1",
        signed_on=today,
        starts_on=today,
        plan=plan,
        schools=[world.a.school],
        by=world.operator,
    )
    invoice = Invoice.objects.create(
        year=today.year, number=1, issued_on=today, due_on=today, month=today.replace(day=1), payer=payer,
        contract=contract, plan=plan, net=100, vat=22, total=122,
    )  # fmt: skip
    operator = enter(world.operator)
    for kind in ("pdf", "act"):
        assert "Ш" in pdf_text(operator.get(f"/district/billing/invoices/{invoice.pk}.{kind}"))


def test_typed_text_that_looks_like_a_formula_is_written_as_text_in_csv_and_xlsx(world, enter):
    """Before: the year's archive and the exports wrote teachers' text as spreadsheet formulas
    (=HYPERLINK(…)), although imports refuse such cells."""
    from openpyxl import load_workbook

    from groundwork.spreadsheets import cell
    from journal import services as journal

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = Lesson.objects.filter(school_class=a.school_class, term=cal.term).order_by("-date").first()
        journal.cancel_lesson(lesson, reason='=HYPERLINK("http://evil.example";"x")', by=a.deputy)
    month = f"{lesson.date:%Y-%m}"
    sheet = enter(a.deputy, a.host).get(f"/control/missed-lessons/?month={month}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    reasons = [r[-1] for r in rows if r[-1] and "HYPERLINK" in str(r[-1])]
    assert reasons == ['\'=HYPERLINK("http://evil.example";"x")']
    assert [cell(v) for v in ("-1 000,00", "-5", "+7 900 111-22-33", "@SUM(A1)", "\tx", "Иванов")] == [
        "-1 000,00", "-5", "'+7 900 111-22-33", "'@SUM(A1)", "'\tx", "Иванов",
    ]  # fmt: skip
