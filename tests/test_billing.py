"""Billing of the service, as the district's operator runs it: a hand-built month of use (school A
all month, school B connected mid-month, school C suspended mid-month), closed into an invoice and
an act, paid through a bank file, corrected by a credit note — and nobody else finds any of it."""

import calendar
import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEntry
from billing import bank, documents, services
from billing.models import Invoice, Payer, Payment, Plan, UsageDay, money
from tenants.models import School, SchoolFigures

PRICE = Decimal("12.00")


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def billed(world):
    """The district pays per pupil for schools A, B and C; last month's use, day by day."""
    a, b, c = world.a.school, world.b.school, world.suspended
    month = last_month()
    days = calendar.monthrange(month.year, month.month)[1]
    School.objects.filter(pk=b.pk).update(
        created_at=timezone.make_aware(timezone.datetime(month.year, month.month, 16, 10))
    )
    for n in range(1, days + 1):
        day = month.replace(day=n)
        UsageDay.objects.create(
            school=a, day=day, status="active", pupils=300, active_pupils=200, staff=30, storage_bytes=0
        )
        if n >= 16:
            UsageDay.objects.create(
                school=b, day=day, status="active", pupils=200, active_pupils=50, staff=20, storage_bytes=0
            )
        status = "active" if n <= 10 else "suspended"
        UsageDay.objects.create(
            school=c, day=day, status=status, pupils=100, active_pupils=10, staff=9, storage_bytes=0
        )
    payer = services.save_payer(
        Payer(
            name="Управление образования Энского района",
            inn="5001007329",
            kpp="500101001",
            bank="ПАО Сбербанк",
            bik="044525974",
            account="40701810700000000077",
            contacts="buh@uo.example.ru",
        ),
        by=world.operator,
    )
    plan = services.create_plan(
        name="За обучающегося",
        kind=Plan.Kind.PER_PUPIL,
        tiers=[["0", "12.00"], ["100000", "10.00"]],
        vat_note="НДС не облагается (УСН)",
        by=world.operator,
    )
    contract = services.create_contract(
        payer=payer,
        number="15-ЭЖ",
        signed_on=month - timedelta(days=40),
        starts_on=month - timedelta(days=40),
        plan=plan,
        schools=[a, b, c],
        by=world.operator,
    )
    return {"payer": payer, "plan": plan, "contract": contract, "month": month, "days": days, "schools": (a, b, c)}


def expected_total(days):
    """By hand: A 300 pupils all month; B 200 pupils for the days from the 16th; C 100 pupils for 10 days."""
    a = money(Decimal(300 * days) / days * PRICE)
    b = money(Decimal(200 * (days - 15)) / days * PRICE)
    c = money(Decimal(100 * 10) / days * PRICE)
    return a, b, c


def test_a_months_invoice_is_pro_rata_by_days_and_says_so(world, billed, enter):
    made, notes = services.close_month(billed["month"], by=world.operator)
    assert len(made) == 1
    invoice = made[0]
    days = billed["days"]
    lines = {line.school.slug: line for line in invoice.lines.all()}
    a, b, c = expected_total(days)
    assert (lines["school-a"].amount, lines["school-b"].amount, lines["school-c"].amount) == (a, b, c)
    assert invoice.total == a + b + c and invoice.vat == 0 and invoice.net == invoice.total
    assert (
        f"{days - 15} из {days} дней" in lines["school-b"].description
        and "подключена 16." in lines["school-b"].description
    )
    assert (
        f"10 из {days} дней" in lines["school-c"].description
        and "приостановлена с 11." in lines["school-c"].description
    )
    assert invoice.due_on == invoice.issued_on + timedelta(days=10)
    # The PDF carries Cyrillic and the right total; the act too; the XLSX and the registry agree.
    operator = enter(world.operator, "localhost")
    pdf = operator.get(f"/district/billing/invoices/{invoice.pk}.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Счёт на оплату № {invoice.number}" in text and "Управление образования Энского района" in text
    assert f"Итого: {documents.rub(invoice.total)} ₽" in text and "Без НДС (НДС не облагается (УСН))" in text
    assert "Школа Бета" in text and documents.in_words(invoice.total).split()[0] in text
    act = operator.get(f"/district/billing/invoices/{invoice.pk}.act")
    act_text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(act.content)).pages)
    assert f"Акт оказанных услуг № {invoice.number}" in act_text and "Заказчик" in act_text
    book = openpyxl.load_workbook(io.BytesIO(operator.get(f"/district/billing/invoices/{invoice.pk}.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[-2][1] == "Итого" and Decimal(str(rows[-2][5])) == invoice.total
    registry = operator.get(f"/district/billing/invoices/?month={billed['month']:%Y-%m}&format=csv")
    found = list(csv.reader(io.StringIO(registry.content.decode("utf-8-sig")), delimiter=";"))
    assert found[0][0] == "Вид" and found[1][1] == str(invoice.number) and found[1][5] == "5001007329"
    assert found[1][10] == f"{invoice.total:.2f}".replace(".", ",")
    assert AuditEntry.objects.filter(action="billing.invoice_issued", target_id=invoice.pk).exists()


def test_amounts_in_words():
    assert documents.in_words(Decimal("1234.50")) == "Одна тысяча двести тридцать четыре рубля 50 копеек"
    assert documents.in_words(Decimal("21")) == "Двадцать один рубль 00 копеек"
    assert documents.in_words(Decimal("2000112.01")) == "Два миллиона сто двенадцать рублей 01 копейка"


def test_closing_a_month_twice_makes_nothing_twice(world, billed):
    out = io.StringIO()
    call_command("close_billing_month", f"{billed['month']:%Y-%m}", stdout=out)
    assert "Счетов: 1." in out.getvalue()
    with pytest.raises(CommandError, match="уже закрыт"):
        call_command("close_billing_month", f"{billed['month']:%Y-%m}")
    assert Invoice.objects.count() == 1
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError, match="ещё не закончился"):
        services.close_month(this_month)
    with pytest.raises(CommandError, match="ГГГГ-ММ"):
        call_command("close_billing_month", "ноябрь")


def test_a_plan_change_takes_effect_from_the_next_month(world, billed):
    contract, old = billed["contract"], billed["plan"]
    cheaper = services.create_plan(
        name="За школу", kind=Plan.Kind.PER_SCHOOL, tiers=[["0", "5000"]], vat_rate=22, by=world.operator
    )
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="1-го числа следующего месяца"):
        services.change_plan(contract, plan=cheaper, effective_from=today.replace(day=1), by=world.operator)
    with pytest.raises(ValidationError, match="1-го числа"):
        services.change_plan(contract, plan=cheaper, effective_from=today + timedelta(days=40), by=world.operator)
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    services.change_plan(contract, plan=cheaper, effective_from=next_month, by=world.operator)
    assert contract.plan_on(today.replace(day=1)) == old and contract.plan_on(next_month) == cheaper


def test_the_bank_file_round_trip(world, billed, enter):
    """Payment orders we write for the payer come back in the bank's statement and pay the invoice;
    a statement read twice records nothing twice; what does not match waits for a person."""
    (invoice,), _ = services.close_month(billed["month"], by=world.operator)
    orders = bank.payment_orders([invoice])
    assert orders.decode("cp1251").startswith("1CClientBankExchange\r\n")
    recorded, skipped = services.import_statement(orders, filename="kl_to_1c.txt", by=world.operator)
    assert (len(recorded), skipped) == (1, 0) and recorded[0].invoice == invoice
    invoice.refresh_from_db()
    assert invoice.owed == 0
    again, skipped = services.import_statement(orders, filename="kl_to_1c.txt", by=world.operator)
    assert (again, skipped) == ([], 1) and Payment.objects.count() == 1
    # An amount that does not add up: recorded, matched to nothing, listed for the operator.
    odd = orders.decode("cp1251").replace(f"Сумма={invoice.total:.2f}", "Сумма=100.00").replace("Номер=1", "Номер=2")
    (stray,), _ = services.import_statement(odd.encode("cp1251"), filename="kl_to_1c_2.txt", by=world.operator)
    assert stray.invoice is None and stray.payer == billed["payer"]
    page = enter(world.operator, "localhost").get("/district/billing/payments/").content.decode()
    assert "Без счёта" in page and f"по счёту № {invoice.number}" in page and "100,00" in page
    # Malformed files: a clear message, nothing written.
    before = Payment.objects.count()
    for content, message in [
        (b"garbage", "не файл обмена"),
        (odd.replace("КонецФайла", "").encode("cp1251"), "оборван"),
        (odd.replace("Сумма=100.00", "Сумма=сто").encode("cp1251"), "не число"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.import_statement(content, filename="bad.txt", by=world.operator)
    assert Payment.objects.count() == before


def test_a_correction_is_a_credit_note_never_an_edit(world, billed, enter):
    (invoice,), _ = services.close_month(billed["month"], by=world.operator)
    total = invoice.total
    note = services.credit_note(invoice, amount="1000.00", reason="Школа Гамма не работала с 5-го", by=world.operator)
    invoice.refresh_from_db()
    assert invoice.total == total and note.number == invoice.number + 1 and note.total == Decimal("-1000.00")
    assert invoice.owed == total - 1000
    with pytest.raises(ValidationError, match="Сумма корректировки"):
        services.credit_note(invoice, amount=total, reason="Слишком много", by=world.operator)
    with pytest.raises(ValidationError, match="причину"):
        services.credit_note(invoice, amount="1", reason="", by=world.operator)
    pdf = enter(world.operator, "localhost").get(f"/district/billing/invoices/{note.pk}.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Корректировочный документ № {note.number}" in text and "-1 000,00" in text


def test_bad_requisites_and_plans_are_refused_with_a_message(world):
    with pytest.raises(ValidationError, match="ИНН"):
        services.save_payer(Payer(name="Школа", inn="5001007320"), by=world.operator)
    with pytest.raises(ValidationError, match="контрольный ключ"):
        services.save_payer(
            Payer(name="Школа", inn="5001007329", bik="044525974", account="40701810700000000078"), by=world.operator
        )
    with pytest.raises(ValidationError, match="начинается с 0"):
        services.create_plan(name="X", kind="flat", tiers=[["5", "1"]], vat_rate=22, by=world.operator)
    with pytest.raises(ValidationError, match="основание"):
        services.create_plan(name="X", kind="flat", tiers=[["0", "1"]], by=world.operator)
    assert not Payer.objects.exists() and not Plan.objects.exists()


def test_an_overdue_invoice_is_reminded_weekly_and_blocks_nobody(world, billed, enter):
    (invoice,), _ = services.close_month(billed["month"], by=world.operator)
    later = invoice.due_on + timedelta(days=1)
    assert services.remind_overdue(later) == 1
    assert mail.outbox[-1].to == ["buh@uo.example.ru"] and "не оплачено" in mail.outbox[-1].body
    assert services.remind_overdue(later) == 0  # once a week
    assert services.remind_overdue(later + timedelta(days=7)) == 1
    # The debt shows on the operator's console only; the school and the parents work as ever.
    assert "Управление образования" in enter(world.operator, "localhost").get("/district/billing/").content.decode()
    assert enter(world.a.class_teacher, world.a.host).get("/journal/").status_code == 200
    parent_page = enter(world.parent, "localhost").get("/")
    assert parent_page.status_code == 200 and "оплат" not in parent_page.content.decode().lower()


def test_usage_is_copied_nightly_from_what_schools_report(world):
    a = world.a.school
    SchoolFigures.objects.update_or_create(
        school=a, defaults={"pupils": 412, "active_pupils": 300, "staff": 41, "storage_bytes": 5}
    )
    day = timezone.localdate()
    schools = list(School.objects.exclude(schema_name="public"))
    assert services.record_usage(day) == len(schools)
    # The day before school C joined (the world was built then): C has no row, the older schools have.
    before = timezone.localtime(world.suspended.created_at).date() - timedelta(days=1)
    joined = {s.pk for s in schools if timezone.localtime(s.created_at).date() <= before}
    assert a.pk in joined and world.suspended.pk not in joined
    assert services.record_usage(before) == len(joined)
    assert set(UsageDay.objects.filter(day=before).values_list("school", flat=True)) == joined
    usage = UsageDay.objects.get(school=a, day=day)
    assert (usage.pupils, usage.active_pupils, usage.staff, usage.status) == (412, 300, 41, "active")
    assert UsageDay.objects.get(school=world.suspended, day=day).status == "suspended"
    services.record_usage(day)  # again: the same row, updated
    assert UsageDay.objects.filter(school=a, day=day).count() == 1


@pytest.mark.parametrize("path", ["/district/billing/", "/district/billing/payments/", "/api/v1/billing/invoices/"])
def test_only_district_operators_find_billing(world, billed, enter, path):
    assert enter(world.operator, "localhost").get(path).status_code == 200
    for person in (world.official, world.parent, world.other_parent):
        assert enter(person, "localhost").get(path).status_code == 404
    for person in (world.a.director, world.a.deputy, world.a.class_teacher):
        assert enter(person, world.a.host).get(path).status_code == 404
    assert enter(None, "localhost").get(path).status_code in (302, 401, 403)


def test_the_api_records_a_payment_and_refuses_bad_input(world, billed, enter):
    (invoice,), _ = services.close_month(billed["month"], by=world.operator)
    api = enter(world.operator, "localhost")
    listed = api.get(f"/api/v1/billing/invoices/?month={billed['month']:%Y-%m}").json()
    assert listed["results"][0]["number"] == invoice.number and Decimal(listed["results"][0]["owed"]) == invoice.total
    bad = api.post(
        "/api/v1/billing/payments/", {"payer_inn": "5001007329", "amount": "-5"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"]
    paid = api.post(
        "/api/v1/billing/payments/",
        {
            "payer_inn": "5001007329",
            "received_on": timezone.localdate().isoformat(),
            "amount": str(invoice.total),
            "document_number": "77",
            "purpose": f"Оплата по счёту № {invoice.number}",
        },
        content_type="application/json",
    )
    assert paid.status_code == 201 and paid.json()["invoice"] == invoice.number
    assert enter(world.parent, "localhost").get("/api/v1/billing/payments/").status_code == 404


def test_a_school_no_contract_covers_is_flagged_on_its_card_and_the_billing_page(world, enter):
    operator = enter(world.operator)
    warning = "не входит ни в один действующий договор"
    assert warning in operator.get(f"/district/schools/{world.a.school.slug}/").content.decode()
    banner = operator.get("/district/billing/").content.decode().split("Школы без действующего договора")[1]
    assert world.a.school.short_name in banner.split("</p>")[0]
    today = timezone.localdate()
    payer = Payer.objects.create(name="Управление образования", inn="5001007329")
    plan = Plan.objects.create(name="За школу", kind="per_school", tiers=[["0", "100"]], vat_rate=22)
    services.create_contract(
        payer=payer, number="7", signed_on=today, starts_on=today.replace(day=1), plan=plan,
        schools=[world.a.school], by=world.operator,
    )  # fmt: skip
    assert warning not in operator.get(f"/district/schools/{world.a.school.slug}/").content.decode()
    assert warning in operator.get(f"/district/schools/{world.b.school.slug}/").content.decode()
    # The menu leads the operator to billing; the official has no billing in it.
    assert 'href="/district/billing/"' in operator.get("/district/").content.decode()
    assert 'href="/district/billing/"' not in enter(world.official).get("/district/").content.decode()


def test_the_invoice_carries_the_payees_bank_details_and_a_payment_qr_code(world, enter, settings):
    """The usual «Счёт на оплату»: the payee's bank, BIC and accounts on top, the date in words,
    and the payment details in the ГОСТ Р 56042 string a bank app reads from the QR code."""
    from datetime import date

    payer = Payer.objects.create(name="Управление образования", inn="5001007329", kpp="500101001")
    plan = Plan.objects.create(name="За школу", kind="per_school", tiers=[["0", "100"]], vat_rate=None)
    contract = services.create_contract(
        payer=payer, number="7", signed_on=date(2026, 11, 1), starts_on=date(2026, 11, 1), plan=plan,
        schools=[world.a.school], by=world.operator,
    )  # fmt: skip
    invoice = Invoice.objects.create(
        year=2026, number=17, issued_on=date(2026, 12, 1), due_on=date(2026, 12, 11), month=date(2026, 11, 1),
        payer=payer, contract=contract, plan=plan, net=Decimal("1234.50"), vat=0, total=Decimal("1234.50"),
    )  # fmt: skip
    us = settings.BILLING_SUPPLIER
    assert documents.payment_code(invoice) == (
        f"ST00012|Name={us['name']}|PersonalAcc={us['account']}|BankName={us['bank']}|BIC={us['bik']}"
        f"|CorrespAcc={us['correspondent_account']}|PayeeINN={us['inn']}|KPP={us['kpp']}|Sum=123450"
        "|Purpose=Оплата по счёту № 17 от 01.12.2026. Без НДС|PayerINN=5001007329"
    )
    pdf = enter(world.operator).get(f"/district/billing/invoices/{invoice.pk}.pdf").content
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Счёт на оплату № 17 от 01 декабря 2026 г." in text
    assert "Банк получателя" in text and us["bik"] in text and us["account"] in text and "Получатель" in text
    assert "ГОСТ Р 56042" in text and "Всего наименований 0, на сумму 1 234,50 руб." in text
