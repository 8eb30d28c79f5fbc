"""Writes of billing: payers, contracts and plans, the nightly usage, the monthly closing, credit
notes, payments and the bank statement, reminders. Each refuses bad input with a message and
writes nothing, and records an audit entry (in public) for what it changed."""

import calendar
import re
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record
from groundwork.days import day_from, month_name, next_month
from tenants.models import School, SchoolFigures

from . import bank
from .models import (
    BillingMonth,
    Contract,
    ContractPlan,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    Payer,
    Payment,
    Plan,
    Reminder,
    UsageDay,
    money,
    month_end,
    rub,
)

REMIND_EVERY_DAYS = 7


# --- Payers, plans, contracts ----------------------------------------------------------


@transaction.atomic
def save_payer(payer, *, by, ip=None):
    payer.full_clean()
    created = payer.pk is None
    old = None if created else dict(Payer.objects.filter(pk=payer.pk).values().get())
    payer.save()
    record("billing.payer_saved", payer, by=by, ip=ip, old=old, new={"name": payer.name, "inn": payer.inn})
    return payer


def check_tiers(tiers):
    """[[from units, price], …]: the first from 0, starts rising, prices not negative."""
    try:
        parsed = [(Decimal(str(start)), Decimal(str(price))) for start, price in tiers]
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({"tiers": _("Ступени цены: пары «от скольких — цена», например 0 — 12,00.")}) from None
    if not parsed or parsed[0][0] != 0:
        raise ValidationError({"tiers": _("Первая ступень цены начинается с 0.")})
    if any(b[0] <= a[0] for a, b in zip(parsed, parsed[1:], strict=False)) or any(p < 0 for _start, p in parsed):
        raise ValidationError({"tiers": _("Ступени идут по возрастанию, цены не отрицательные.")})
    return [[str(start), str(money(price))] for start, price in parsed]


@transaction.atomic
def create_plan(*, name, kind, tiers, vat_rate=None, prices_include_vat=True, vat_note="", by, ip=None):
    if kind not in Plan.Kind.values:
        raise ValidationError({"kind": _("Выберите способ расчёта.")})
    if vat_rate is None and not vat_note.strip():
        raise ValidationError(
            {"vat_note": _("Для цен без НДС укажите основание (например, «НДС не облагается, п. 2 ст. 346.11 НК РФ»).")}
        )
    plan = Plan(
        name=name.strip(),
        kind=kind,
        tiers=check_tiers(tiers),
        vat_rate=vat_rate,
        prices_include_vat=prices_include_vat,
        vat_note=vat_note.strip(),
    )
    plan.full_clean()
    plan.save()
    record("billing.plan_created", plan, by=by, ip=ip, new={"name": plan.name, "kind": kind, "tiers": plan.tiers})
    return plan


@transaction.atomic
def create_contract(*, payer, number, signed_on, starts_on, plan, schools, ends_on=None, payment_days=10, by, ip=None):
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("Договор кончается раньше, чем начинается.")})
    if not schools:
        raise ValidationError({"schools": _("Выберите школы, которые обслуживаются по договору.")})
    if Contract.objects.filter(payer=payer, number=number.strip()).exists():
        raise ValidationError({"number": _("Договор № %(number)s у плательщика уже есть.") % {"number": number}})
    contract = Contract.objects.create(
        payer=payer,
        number=number.strip(),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        payment_days=payment_days,
    )
    contract.schools.set(schools)
    ContractPlan.objects.create(contract=contract, plan=plan, effective_from=starts_on.replace(day=1), set_by=by)
    record(
        "billing.contract_created",
        contract,
        by=by,
        ip=ip,
        new={"payer": payer.inn, "number": contract.number, "plan": plan.name, "schools": [s.slug for s in schools]},
    )
    return contract


@transaction.atomic
def change_plan(contract, *, plan, effective_from, by, ip=None, today=None):
    """A new plan from the first day of a coming month: a month already begun is billed on the plan it began with."""
    today = today or timezone.localdate()
    first = next_month(today)
    if effective_from.day != 1 or effective_from < first:
        raise ValidationError(
            {
                "effective_from": _("План меняется с 1-го числа следующего месяца: не раньше %(first)s.")
                % {"first": format(first, "%d.%m.%Y")}
            }
        )
    old = contract.plan_on(effective_from)
    ContractPlan.objects.update_or_create(
        contract=contract, effective_from=effective_from, defaults={"plan": plan, "set_by": by}
    )
    record(
        "billing.plan_changed",
        contract,
        by=by,
        ip=ip,
        old={"plan": old.name if old else None},
        new={"plan": plan.name, "from": effective_from},
    )


# --- Usage ------------------------------------------------------------------------------


def record_usage(day=None):
    """Each school's use of `day` (nightly, for yesterday), from the figures it reported to public."""
    day = day or timezone.localdate() - timedelta(days=1)
    figures = {f.school_id: f for f in SchoolFigures.objects.all()}
    written = 0
    for school in School.objects.exclude(schema_name="public"):
        if timezone.localtime(school.created_at).date() > day:
            continue
        found = figures.get(school.pk, SchoolFigures())
        UsageDay.objects.update_or_create(
            school=school,
            day=day,
            defaults={
                "status": school.status,
                "pupils": found.pupils,
                "active_pupils": found.active_pupils,
                "staff": found.staff,
                "storage_bytes": found.storage_bytes,
            },
        )
        written += 1
    return written


# --- The monthly closing ------------------------------------------------------------------


def _nextrub(year):
    counter, _ = DocumentCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def invoice_lines(contract, plan, month):
    """The month's lines of a contract: per school, the days it worked (pro rata) and its
    pupils; the price of the tier the contract's total reaches. Returns (lines, notes)."""
    days = calendar.monthrange(month.year, month.month)[1]
    last = month_end(month)
    first_day, last_day = max(month, contract.starts_on), min(last, contract.ends_on or last)
    usage = UsageDay.objects.filter(school__in=contract.schools.all(), day__range=(first_day, last_day))
    per_school = {}
    for row in usage.select_related("school"):
        per_school.setdefault(row.school, []).append(row)
    rows = []
    for school in sorted(contract.schools.all(), key=lambda s: s.short_name):
        found = per_school.get(school, [])
        worked = [row for row in found if row.status == School.Status.ACTIVE]
        if plan.kind == Plan.Kind.PER_PUPIL:
            units = Decimal(sum(row.pupils for row in worked)) / days
            unit = _("обуч.-мес.")
        else:
            units = Decimal(len(worked)) / days
            unit = _("шк.-мес.")
        rows.append((school, found, worked, units, unit))
    if plan.kind == Plan.Kind.FLAT:
        share = Decimal((last_day - first_day).days + 1) / days
        price = plan.price_for(Decimal(1))
        text = _("Обслуживание ЭЖ и ЭД по договору %(contract)s за %(month_name)s") % {
            "contract": contract,
            "month_name": month_name(month),
        }
        if share < 1:
            text += _(": %(value)s из %(days)s дней (договор с %(starts_on)s)") % {
                "value": (last_day - first_day).days + 1,
                "days": days,
                "starts_on": format(contract.starts_on, "%d.%m.%Y"),
            }
        return [dict(school=None, description=text, quantity=share, unit=_("мес."), price=price)], []
    total_units = sum(units for *_rest, units, _unit in rows)
    price = plan.price_for(total_units)
    lines, notes = [], []
    for school, found, worked, units, unit in rows:
        if not worked:
            notes.append(
                _("%(short_name)s: в %(month_name)s не работала — не начислено.")
                % {"short_name": school.short_name, "month_name": month_name(month)}
            )
            continue
        parts = [
            _("%(short_name)s: %(worked)s из %(days)s дней")
            % {"short_name": school.short_name, "worked": len(worked), "days": days}
        ]
        created = timezone.localtime(school.created_at).date()
        if month <= created <= last:
            parts.append(_("подключена %(created)s") % {"created": format(created, "%d.%m.%Y")})
        stopped = [row.day for row in found if row.status != School.Status.ACTIVE]
        if stopped:
            parts.append(_("приостановлена с %(since)s") % {"since": format(min(stopped), "%d.%m.%Y")})
        if plan.kind == Plan.Kind.PER_PUPIL:
            pupil_days = sum(row.pupils for row in worked)
            parts.append(
                _("%(pupil_days)s обучающихся-дней / %(days)s = %(rub)s в среднем за месяц")
                % {"pupil_days": pupil_days, "days": days, "rub": rub(money(units))}
            )
        lines.append(dict(school=school, description="; ".join(parts), quantity=units, unit=unit, price=price))
    if len(plan.tiers) > 1:
        notes.append(
            _("Цена ступени для %(rub)s ед. по договору: %(rub2)s ₽.")
            % {"rub": rub(money(total_units)), "rub2": rub(price)}
        )
    return lines, notes


def _totals(plan, amounts):
    gross = money(sum(amounts, Decimal(0)))
    if plan.vat_rate is None:
        return gross, Decimal("0.00"), gross
    rate = Decimal(plan.vat_rate)
    if plan.prices_include_vat:
        vat = money(gross * rate / (100 + rate))
        return gross - vat, vat, gross
    vat = money(gross * rate / 100)
    return gross, vat, gross + vat


def _issue(*, kind, contract, plan, month, lines, by, corrects=None, reason="", issued_on=None):
    issued_on = issued_on or timezone.localdate()
    amounts = [money(line["quantity"] * line["price"]) for line in lines]
    net, vat, total = _totals(plan, amounts)
    invoice = Invoice.objects.create(
        kind=kind,
        year=issued_on.year,
        number=_nextrub(issued_on.year),
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=contract.payment_days),
        month=month,
        payer=contract.payer,
        contract=contract,
        plan=plan,
        corrects=corrects,
        reason=reason,
        net=net,
        vat=vat,
        total=total,
        created_by=by,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            school=line["school"],
            description=line["description"],
            quantity=money(line["quantity"]),
            unit=line["unit"],
            price=line["price"],
            amount=amount,
        )
        for line, amount in zip(lines, amounts, strict=True)
    )
    return invoice


def close_month(month, *, by=None, today=None):
    """Every payer's invoice and act of `month`, once. Returns (invoices made, notes); a month
    closed before makes nothing and says so."""
    today = today or timezone.localdate()
    if month.day != 1:
        raise ValidationError(_("Месяц указывается как ГГГГ-ММ."))
    if month_end(month) >= today:
        raise ValidationError(
            _("Месяц %(month_name)s ещё не закончился: закрыть его можно с 1-го числа следующего.")
            % {"month_name": month_name(month)}
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                closing = BillingMonth.objects.create(month=month, closed_by=by)
        except IntegrityError:
            closed = BillingMonth.objects.get(month=month)
            raise ValidationError(
                _(
                    "Месяц %(month_name)s уже закрыт %(localtime)s: новых счетов нет. Исправление — корректировочным документом."
                )
                % {
                    "month_name": month_name(month),
                    "localtime": format(timezone.localtime(closed.closed_at), "%d.%m.%Y %H:%M"),
                }
            ) from None
        made, notes = [], []
        contracts = Contract.objects.filter(starts_on__lte=month_end(month)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=month)
        )
        for contract in contracts.select_related("payer"):
            plan = contract.plan_on(month)
            if plan is None:
                notes.append(
                    _("%(payer)s: у договора %(contract)s нет плана на %(month_name)s.")
                    % {"payer": contract.payer, "contract": contract, "month_name": month_name(month)}
                )
                continue
            lines, found = invoice_lines(contract, plan, month)
            notes += [f"{contract.payer}: {note}" for note in found]
            if not lines:
                continue
            invoice = _issue(kind=Invoice.Kind.INVOICE, contract=contract, plan=plan, month=month, lines=lines, by=by)
            made.append(invoice)
            record(
                "billing.invoice_issued",
                invoice,
                by=by,
                new={"number": invoice.number, "payer": contract.payer.inn, "month": month, "total": invoice.total},
            )
        record("billing.month_closed", closing, by=by, new={"month": month, "invoices": len(made)})
    return made, notes


@transaction.atomic
def credit_note(invoice, *, amount, reason, by, ip=None):
    """Takes `amount` (with VAT, as the invoice) off an invoice by a new document; the invoice stays as issued."""
    reason = " ".join((reason or "").split())
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(_("Корректируется счёт, а не корректировка."))
    if len(reason) < 5:
        raise ValidationError({"reason": _("Укажите причину корректировки.")})
    try:
        amount = money(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({"amount": _("Сумма — число, например 1500,00.")}) from None
    already = -invoice.credited
    if not Decimal("0.01") <= amount <= invoice.total - already:
        raise ValidationError(
            {"amount": _("Сумма корректировки — от 0,01 до %(rub)s ₽.") % {"rub": rub(invoice.total - already)}}
        )
    plan = invoice.plan
    # The line is in the invoice's price terms, so the VAT splits the same way.
    price = (
        -amount if plan.vat_rate is None or plan.prices_include_vat else -money(amount * 100 / (100 + plan.vat_rate))
    )
    note = _issue(
        kind=Invoice.Kind.CREDIT_NOTE,
        contract=invoice.contract,
        plan=plan,
        month=invoice.month,
        lines=[
            dict(
                school=None,
                description=_("Корректировка счёта № %(number)s: %(reason)s")
                % {"number": invoice.number, "reason": reason},
                quantity=Decimal(1),
                unit="",
                price=price,
            )
        ],
        by=by,
        corrects=invoice,
        reason=reason,
    )
    record(
        "billing.credit_note",
        note,
        by=by,
        ip=ip,
        new={"invoice": invoice.number, "total": note.total, "reason": reason},
    )
    return note


# --- Payments ---------------------------------------------------------------------------------

INVOICE_NUMBER = re.compile(r"(?:сч[её]т\w*|акт\w*)\D{0,20}?№\s*(\d+)", re.IGNORECASE)


def match_invoice(payer, purpose, amount, received_on):
    """The invoice a payment is for: its number in the purpose, the payer's, the amount it owes."""
    if payer is None:
        return None
    for number in INVOICE_NUMBER.findall(purpose or ""):
        for invoice in Invoice.objects.filter(
            payer=payer,
            number=int(number),
            kind=Invoice.Kind.INVOICE,
            year__in=[received_on.year, received_on.year - 1],
        ).order_by("-year"):
            if invoice.owed == amount:
                return invoice
    return None


def _payment(*, received_on, amount, document_number, payer_inn, payer_name, purpose, source, by):
    payer = Payer.objects.filter(inn=payer_inn).first()
    payment = Payment(
        payer=payer,
        invoice=match_invoice(payer, purpose, amount, received_on),
        received_on=received_on,
        amount=amount,
        document_number=document_number,
        payer_inn=payer_inn,
        payer_name=payer_name,
        purpose=purpose[:500],
        source=source,
        recorded_by=by,
    )
    payment.save()
    record(
        "billing.payment_recorded",
        payment,
        by=by,
        new={
            "amount": amount,
            "payer": payer_inn,
            "invoice": getattr(payment.invoice, "number", None),
            "source": source,
        },
    )
    return payment


@transaction.atomic
def record_payment(*, payer, received_on, amount, document_number, purpose="", by, ip=None):
    try:
        amount = money(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({"amount": _("Сумма — число, например 1500,00.")}) from None
    if amount <= 0:
        raise ValidationError({"amount": _("Сумма платежа больше нуля.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("Дата платежа не может быть в будущем.")})
    if Payment.objects.filter(
        received_on=received_on, document_number=document_number, payer_inn=payer.inn, amount=amount
    ).exists():
        raise ValidationError(_("Этот платёж уже записан."))
    return _payment(
        received_on=received_on,
        amount=amount,
        document_number=document_number.strip(),
        payer_inn=payer.inn,
        payer_name=payer.name,
        purpose=purpose,
        source=_("вручную"),
        by=by,
    )


@transaction.atomic
def import_statement(content, *, filename, by, ip=None):
    """A bank statement in 1C's exchange format: each incoming payment recorded once, matched
    where it can be. Returns (recorded, skipped as already there). A malformed file writes nothing."""
    documents = bank.read_statement(content)
    recorded, skipped = [], 0
    for doc in documents:
        exists = Payment.objects.filter(
            received_on=doc["date"], document_number=doc["number"], payer_inn=doc["payer_inn"], amount=doc["amount"]
        ).exists()
        if exists:
            skipped += 1
            continue
        recorded.append(
            _payment(
                received_on=doc["date"],
                amount=doc["amount"],
                document_number=doc["number"],
                payer_inn=doc["payer_inn"],
                payer_name=doc["payer_name"],
                purpose=doc["purpose"],
                source=filename[:200],
                by=by,
            )
        )
    return recorded, skipped


@transaction.atomic
def match_payment(payment, invoice, *, by, ip=None):
    """A person matches a payment the statement could not (another amount, no number)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.invoice_id:
        raise ValidationError(_("Платёж уже отнесён к счёту."))
    if payment.payer_id and payment.payer_id != invoice.payer_id:
        raise ValidationError(_("Платёж от другого плательщика."))
    if payment.amount > invoice.owed:
        raise ValidationError(_("Платёж больше долга по счёту (%(rub)s ₽).") % {"rub": rub(invoice.owed)})
    payment.invoice, payment.payer = invoice, invoice.payer
    payment.save(update_fields=["invoice", "payer"])
    record("billing.payment_matched", payment, by=by, ip=ip, old={"invoice": None}, new={"invoice": invoice.number})
    return payment


# --- Overdue --------------------------------------------------------------------------------------


def remind_overdue(today=None):
    """Overdue invoices: a reminder to the payer's contacts, once a week. Only the operator's
    console shows debts; nothing in the journal or the diary knows of them."""
    today = today or timezone.localdate()
    sent = 0
    for invoice in Invoice.objects.filter(kind=Invoice.Kind.INVOICE, due_on__lt=today).select_related("payer"):
        if not invoice.is_overdue(today) or not invoice.payer.emails:
            continue
        last = invoice.reminders.order_by("-on").first()
        if last and last.on > today - timedelta(days=REMIND_EVERY_DAYS):
            continue
        send_mail(
            _("Напоминание об оплате: %(invoice)s") % {"invoice": invoice},
            _("%(name)s, по %(invoice)s за %(month_name)s (срок оплаты %(due_on)s) не оплачено %(rub)s ₽.")
            % {
                "name": invoice.payer.name,
                "invoice": str(invoice).lower(),
                "month_name": month_name(invoice.month),
                "due_on": format(invoice.due_on, "%d.%m.%Y"),
                "rub": rub(invoice.owed),
            },
            None,
            invoice.payer.emails,
        )
        Reminder.objects.create(invoice=invoice, on=today, to=", ".join(invoice.payer.emails))
        sent += 1
    return sent


def month_from(text):
    """A month typed as YYYY-MM, within the years groundwork.days takes (no arithmetic past year 9999)."""
    month = day_from(f"{text}-01")
    if month is None:
        raise ValidationError(_("Месяц указывается как ГГГГ-ММ, например 2026-11."))
    return month
