"""What the operator's console reads: payers and their debts, invoices, unmatched payments."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from groundwork.days import next_month
from sms.selectors import used_by_schools
from tenants.models import School

from .models import Contract, Invoice, Payer, Payment


def debts(today=None):
    """Per payer: invoiced, paid, owed and overdue (credit notes taken off)."""
    today = today or timezone.localdate()
    rows = []
    for payer in Payer.objects.prefetch_related("contracts"):
        invoices = list(
            Invoice.objects.filter(payer=payer, kind=Invoice.Kind.INVOICE).prefetch_related("payments", "corrections")
        )
        owed = sum((invoice.owed for invoice in invoices), Decimal("0.00"))
        overdue = [invoice for invoice in invoices if invoice.is_overdue(today)]
        rows.append(
            {
                "payer": payer,
                "invoiced": sum((invoice.total for invoice in invoices), Decimal("0.00")),
                "owed": owed,
                "overdue": sum((invoice.owed for invoice in overdue), Decimal("0.00")),
                "overdue_since": min((invoice.due_on for invoice in overdue), default=None),
            }
        )
    return rows


def unmatched_payments():
    return Payment.objects.filter(invoice__isnull=True).select_related("payer")


def invoices_of(month=None):
    found = (
        Invoice.objects.select_related("payer", "contract", "plan", "corrects")
        .prefetch_related("payments", "corrections")  # what is owed, without a query per invoice
        .order_by("year", "number")
    )
    return found.filter(month=month) if month else found


def sms_usage(month):
    """Per school, the month's SMS notices: sent (or on their way) against the school's limit,
    and those not sent because the limit was reached."""
    used = used_by_schools(month, next_month(month))
    return [
        {"school": school, "limit": school.sms_monthly_limit, "sent": used.get(school.pk, (0, 0))[0],
         "over": used.get(school.pk, (0, 0))[1]}
        for school in School.objects.exclude(schema_name="public")
    ]  # fmt: skip


def schools_without_contract(month=None):
    """Working schools no contract covers this month: nobody would be billed for them."""
    month = month or timezone.localdate().replace(day=1)
    covered = {
        school.pk
        for contract in Contract.objects.prefetch_related("schools")
        if contract.covers(month)
        for school in contract.schools.all()
    }
    return [
        s
        for s in School.objects.exclude(schema_name="public").order_by("name")
        if s.pk not in covered and s.status != School.Status.ARCHIVED
    ]


def contract_warning(school):
    if school in schools_without_contract():
        return _("Школа не входит ни в один действующий договор: её использование никому не выставляется.")
    return None
