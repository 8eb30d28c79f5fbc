"""Billing of the service (public schema): who pays, on what plan, for how much use, and what was
invoiced and paid. It reads only the counts schools report to public (tenants.SchoolFigures),
never a school's schema, and nothing in the journal or the diary reads it: nobody's work there
depends on money."""

import calendar
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rub(value):
    """An amount as an accountant writes it: 1 234,50."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def check_inn(value):
    """ИНН: 10 digits (an organisation) or 12 (an entrepreneur), with their check digits."""

    def digit(weights):
        return str(sum(w * int(c) for w, c in zip(weights, value, strict=False)) % 11 % 10)

    ok = value.isdigit() and (
        (len(value) == 10 and value[9] == digit([2, 4, 10, 3, 5, 9, 4, 6, 8]))
        or (
            len(value) == 12
            and value[10] == digit([7, 2, 4, 10, 3, 5, 9, 4, 6, 8])
            and value[11] == digit([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8])
        )
    )
    if not ok:
        raise ValidationError(_("ИНН — 10 или 12 цифр с верными контрольными цифрами."))


def check_account(account, bik):
    """The settlement account's check digit, keyed with the bank's БИК (ЦБ РФ method)."""
    digits = bik[-3:] + account
    if not (account.isdigit() and len(account) == 20 and bik.isdigit() and len(bik) == 9) or (
        sum(int(c) * w for c, w in zip(digits, [7, 1, 3] * 8, strict=False)) % 10
    ):
        raise ValidationError({"account": _("Расчётный счёт не сходится с БИК банка (контрольный ключ).")})


class Payer(models.Model):
    """The district (or a school contracting on its own) with its requisites."""

    name = models.CharField(gettext_lazy("наименование"), max_length=300)
    inn = models.CharField(gettext_lazy("ИНН"), max_length=12, unique=True, validators=[check_inn])
    kpp = models.CharField(
        gettext_lazy("КПП"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", gettext_lazy("КПП — 9 цифр."))],
    )
    address = models.CharField(gettext_lazy("адрес"), max_length=500, blank=True)
    bank = models.CharField(gettext_lazy("банк"), max_length=300, blank=True)
    bik = models.CharField(
        gettext_lazy("БИК"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", gettext_lazy("БИК — 9 цифр."))],
    )
    account = models.CharField(gettext_lazy("расчётный (казначейский) счёт"), max_length=20, blank=True)
    correspondent_account = models.CharField(gettext_lazy("корр. счёт"), max_length=20, blank=True)
    contacts = models.CharField(gettext_lazy("e-mail для счетов и напоминаний"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.account or self.bik:
            check_account(self.account, self.bik)

    @property
    def emails(self):
        return [part.strip() for part in self.contacts.replace(";", ",").split(",") if part.strip()]


class Plan(models.Model):
    class Kind(models.TextChoices):
        PER_PUPIL = "per_pupil", gettext_lazy("за обучающегося в месяц")
        PER_SCHOOL = "per_school", gettext_lazy("за школу в месяц")
        FLAT = "flat", gettext_lazy("фиксированная плата в месяц")

    name = models.CharField(gettext_lazy("название"), max_length=200, unique=True)
    kind = models.CharField(gettext_lazy("способ расчёта"), max_length=10, choices=Kind.choices)
    # Volume tiers: [[from units, price], …] from 0 up; the price of the highest tier the contract's
    # total reaches applies to all its units (stated on the invoice).
    tiers = models.JSONField(gettext_lazy("ступени цены"))
    vat_rate = models.PositiveSmallIntegerField(gettext_lazy("ставка НДС, %"), null=True, blank=True)  # empty: без НДС
    prices_include_vat = models.BooleanField(gettext_lazy("цены включают НДС"), default=True)
    vat_note = models.CharField(gettext_lazy("основание «Без НДС»"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def price_for(self, units):
        """The price of the highest tier `units` reach (the first tier's below it)."""
        tiers = sorted((Decimal(str(start)), Decimal(str(price))) for start, price in self.tiers)
        reached = [price for start, price in tiers if units >= start]
        return reached[-1] if reached else tiers[0][1]


class Contract(models.Model):
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(gettext_lazy("номер договора"), max_length=50)
    signed_on = models.DateField(gettext_lazy("дата договора"))
    starts_on = models.DateField(gettext_lazy("действует с"))
    ends_on = models.DateField(gettext_lazy("действует по"), null=True, blank=True)
    schools = models.ManyToManyField("tenants.School", related_name="+", verbose_name=gettext_lazy("школы"))
    payment_days = models.PositiveSmallIntegerField(gettext_lazy("срок оплаты, дней"), default=10)

    class Meta:
        ordering = ["payer", "-starts_on"]
        constraints = [models.UniqueConstraint(fields=["payer", "number"], name="one_contract_number")]

    def __str__(self):
        return _("№ %(number)s от %(signed_on)s") % {
            "number": self.number,
            "signed_on": format(self.signed_on, "%d.%m.%Y"),
        }

    def plan_on(self, month):
        """The plan in force for `month` (changes take effect from a month's first day)."""
        found = self.plans.filter(effective_from__lte=month).order_by("-effective_from").first()
        return found.plan if found else None

    def covers(self, month):
        return self.starts_on <= month_end(month) and (self.ends_on is None or self.ends_on >= month)


class ContractPlan(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="plans")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()  # always a month's first day
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_from"], name="one_plan_a_month"),
            models.CheckConstraint(condition=Q(effective_from__day=1), name="plan_from_a_first_day"),
        ]


class UsageDay(models.Model):
    """A school's use on one day, copied nightly from the figures it reports: what a month's
    invoice is computed from, line by line."""

    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    status = models.CharField(max_length=10)  # the school's status that day: only "active" is billed
    pupils = models.PositiveIntegerField()
    active_pupils = models.PositiveIntegerField()
    staff = models.PositiveIntegerField()
    storage_bytes = models.BigIntegerField()

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["school", "day"], name="one_usage_a_day")]


class BillingMonth(models.Model):
    """A closed month: its invoices are made once; a correction is a credit note."""

    month = models.DateField(unique=True)
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")


class DocumentCounter(models.Model):
    """The last number given to a billing document in a year (numbers follow one another)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)


class Invoice(models.Model):
    """A month's счёт and акт оказанных услуг (one number, two documents), or a credit note
    (корректировочный документ) that takes an amount off an earlier one; never edited."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", gettext_lazy("счёт и акт")
        CREDIT_NOTE = "credit", gettext_lazy("корректировка (уменьшение)")

    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.INVOICE)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    issued_on = models.DateField()
    due_on = models.DateField()
    month = models.DateField()  # the month of service
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="invoices")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    reason = models.CharField(max_length=500, blank=True)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    vat = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="one_document_number"),
            models.UniqueConstraint(
                fields=["contract", "month"], condition=Q(kind="invoice"), name="one_invoice_a_month"
            ),
        ]

    def __str__(self):
        word = _("Счёт") if self.kind == self.Kind.INVOICE else _("Корректировка")
        return _("%(word)s № %(number)s от %(issued_on)s") % {
            "word": word,
            "number": self.number,
            "issued_on": format(self.issued_on, "%d.%m.%Y"),
        }

    @property
    def paid(self):
        # Summed here, not by the database: a page that prefetched the payments asks nothing more.
        return sum((payment.amount for payment in self.payments.all()), Decimal("0.00"))

    @property
    def credited(self):
        """The credit notes against this invoice (a negative amount)."""
        return sum((note.total for note in self.corrections.all()), Decimal("0.00"))

    @property
    def owed(self):
        """What is still to pay: the total, less payments and credit notes against it."""
        return max(self.total + self.credited - self.paid, Decimal("0.00"))

    def is_overdue(self, today=None):
        return self.kind == self.Kind.INVOICE and self.owed > 0 and (today or timezone.localdate()) > self.due_on


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=30)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]


class Payment(models.Model):
    """Money received: typed by an operator or read from a bank statement; matched to an invoice
    by its number and amount, or left for a person to match."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    received_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    document_number = models.CharField(gettext_lazy("номер платёжного поручения"), max_length=20)
    payer_inn = models.CharField(max_length=12)
    payer_name = models.CharField(max_length=300, blank=True)
    purpose = models.CharField(gettext_lazy("назначение платежа"), max_length=500, blank=True)
    source = models.CharField(max_length=200)  # "вручную" or the statement's file name
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            # A statement read twice records each payment once.
            models.UniqueConstraint(
                fields=["received_on", "document_number", "payer_inn", "amount"], name="one_payment"
            )
        ]


class Reminder(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    on = models.DateField()  # the daily job's day
    sent_at = models.DateTimeField(default=timezone.now)
    to = models.CharField(max_length=500)
