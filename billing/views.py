"""The district operator's billing console, on the portal. Nobody else finds it (404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import district_roles
from accounts.models import Role
from groundwork.addresses import client_ip
from groundwork.api import posted_id
from groundwork.errors import explain, explain_form
from groundwork.spreadsheets import XLSX

from . import documents, forms, selectors, services
from .models import Contract, Invoice, Payer, Payment, Plan

operators = district_roles(Role.DISTRICT_OPERATOR, hidden=True)


def _refused(request, error):
    messages.error(request, explain(error))


@operators
def home(request):
    """Debts by payer, unmatched payments, the months' invoices; closing a month."""
    if request.method == "POST":
        try:
            made, notes = services.close_month(services.month_from(request.POST.get("month")), by=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("Месяц закрыт: счетов и актов %(count)s. ") % {"count": len(made)} + " ".join(notes)
            )
        return redirect("billing")
    try:
        sms_month = services.month_from(request.GET["sms_month"]) if request.GET.get("sms_month") else None
    except ValidationError as error:
        _refused(request, error)
        sms_month = None
    sms_month = sms_month or timezone.localdate().replace(day=1)
    return render(
        request,
        "billing/home.html",
        {
            "sms_month": sms_month,
            "sms_usage": selectors.sms_usage(sms_month),
            "debts": selectors.debts(),
            "unmatched": selectors.unmatched_payments()[:20],
            "invoices": selectors.invoices_of().order_by("-year", "-number")[:30],
            "plans": Plan.objects.all(),
            "uncovered": selectors.schools_without_contract(),
        },
    )


@operators
def payer_new(request):
    form = forms.PayerForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            payer = services.save_payer(form.save(commit=False), by=request.user, ip=client_ip(request))
        except ValidationError as error:
            _refused(request, error)
        else:
            return redirect("billing_payer", payer.pk)
    return render(request, "billing/payer_form.html", {"form": form})


@operators
def payer_detail(request, payer_id):
    payer = get_object_or_404(Payer, pk=payer_id)
    form = forms.ContractForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            services.create_contract(payer=payer, by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Договор сохранён."))
            return redirect("billing_payer", payer.pk)
    return render(
        request,
        "billing/payer.html",
        {
            "payer": payer,
            "contracts": payer.contracts.prefetch_related("schools", "plans__plan"),
            "invoices": payer.invoices.select_related("corrects").prefetch_related("payments", "corrections"),
            "payments": payer.payments.select_related("invoice"),
            "form": form,
            "plan_form": forms.PlanChangeForm(),
        },
    )


@operators
def contract_plan(request, contract_id):
    contract = get_object_or_404(Contract, pk=contract_id)
    if request.method != "POST":
        raise Http404
    form = forms.PlanChangeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(explain_form(form))
        services.change_plan(contract, by=request.user, ip=client_ip(request), **form.cleaned_data)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("План изменится с указанного месяца."))
    return redirect("billing_payer", contract.payer_id)


@operators
def plans(request):
    form = forms.PlanForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            services.create_plan(by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("План создан."))
            return redirect("billing_plans")
    return render(request, "billing/plans.html", {"plans": Plan.objects.all(), "form": form})


@operators
def invoices(request):
    """The documents of a month; `?format=csv`: the registry for the payer's accounting."""
    try:
        month = services.month_from(request.GET["month"]) if request.GET.get("month") else None
    except ValidationError as error:
        _refused(request, error)
        return redirect("billing_invoices")
    found = selectors.invoices_of(month)
    if request.GET.get("format") == "csv":
        response = HttpResponse(documents.registry_csv(found), content_type="text/csv; charset=utf-8")
        name = f"registry-{month:%Y-%m}.csv" if month else "registry.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "billing/invoices.html", {"invoices": found, "month": month})


@operators
def invoice_detail(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.select_related("payer", "contract", "plan", "corrects"), pk=invoice_id)
    form = forms.CreditNoteForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            note = services.credit_note(invoice, by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("%(note)s создан.") % {"note": note})
            return redirect("billing_invoice", note.pk)
    return render(request, "billing/invoice.html", {"invoice": invoice, "form": form})


@operators
def invoice_file(request, invoice_id, kind):
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    if kind == "xlsx":
        response = HttpResponse(documents.invoice_xlsx(invoice), content_type=XLSX)
    elif kind in ("pdf", "act"):
        response = HttpResponse(documents.invoice_pdf(invoice, act=kind == "act"), content_type="application/pdf")
    else:
        raise Http404
    name = {"pdf": "schet", "act": "akt", "xlsx": "schet"}[kind]
    extension = "xlsx" if kind == "xlsx" else "pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}-{invoice.year}-{invoice.number}.{extension}"'
    return response


@operators
def payments(request):
    """Recording a payment by hand, reading a bank statement, matching what did not match."""
    form = forms.PaymentForm(request.POST if request.POST.get("action") == "record" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "record":
                if not form.is_valid():
                    raise ValidationError(explain_form(form))
                payment = services.record_payment(by=request.user, ip=client_ip(request), **form.cleaned_data)
                messages.success(
                    request,
                    _("Платёж записан и отнесён к %(invoice)s.") % {"invoice": payment.invoice}
                    if payment.invoice
                    else _("Платёж записан: счёт не найден, отнесите его ниже."),
                )
            elif action == "import":
                upload = request.FILES.get("statement")
                if upload is None:
                    raise ValidationError(_("Выберите файл выписки."))
                recorded, skipped = services.import_statement(upload.read(), filename=upload.name, by=request.user)
                matched = sum(1 for p in recorded if p.invoice_id)
                messages.success(
                    request,
                    _(
                        "Выписка прочитана: новых платежей %(new)s, отнесено к счетам %(matched)s, не найдено счёта %(unmatched)s, уже были записаны %(skipped)s."
                    )
                    % {
                        "new": len(recorded),
                        "matched": matched,
                        "unmatched": len(recorded) - matched,
                        "skipped": skipped,
                    },
                )
            elif action == "match":
                payment = get_object_or_404(Payment, pk=posted_id(request.POST.get("payment")))
                invoice = get_object_or_404(Invoice, pk=posted_id(request.POST.get("invoice")))
                services.match_payment(payment, invoice, by=request.user, ip=client_ip(request))
                messages.success(request, _("Платёж отнесён к %(invoice)s.") % {"invoice": invoice})
            else:
                raise ValidationError(_("Выберите действие: записать платёж, прочитать выписку или отнести платёж."))
        except ValidationError as error:
            _refused(request, error)
        else:
            return redirect("billing_payments")
    return render(
        request,
        "billing/payments.html",
        {
            "form": form,
            "statement_form": forms.StatementForm(),
            "unmatched": selectors.unmatched_payments(),
            "recent": Payment.objects.select_related("payer", "invoice")[:50],
            "open_invoices": [i for i in selectors.invoices_of().filter(kind=Invoice.Kind.INVOICE) if i.owed > 0],
        },
    )
