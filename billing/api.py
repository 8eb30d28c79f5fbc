"""`/api/v1/billing/…` on the portal, for district operators; anyone else finds nothing (404)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.access import api_audience
from accounts.models import Role
from groundwork.addresses import client_ip
from groundwork.api import body, query

from . import selectors, services
from .models import Invoice, Payer, Payment


class Operators(api_audience("portal", {Role.DISTRICT_OPERATOR})):
    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        if request.user.is_authenticated:
            raise NotFound
        return False


class PayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payer
        fields = ["id", "name", "inn", "kpp", "address", "bank", "bik", "account", "contacts"]


class InvoiceSerializer(serializers.ModelSerializer):
    payer_inn = serializers.CharField(source="payer.inn")
    contract = serializers.CharField(source="contract.number")
    corrects = serializers.IntegerField(source="corrects.number", default=None, allow_null=True)
    owed = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "kind", "year", "number", "issued_on", "due_on", "month", "payer_inn", "contract"]
        fields += ["net", "vat", "total", "owed", "corrects"]


class PaymentSerializer(serializers.ModelSerializer):
    invoice = serializers.IntegerField(source="invoice.number", default=None, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "received_on", "amount", "document_number", "payer_inn", "payer_name", "purpose"]
        fields += ["source", "invoice"]


class NewPayment(serializers.Serializer):
    payer_inn = serializers.CharField(max_length=12)
    received_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    document_number = serializers.CharField(max_length=20)
    purpose = serializers.CharField(max_length=500, required=False, default="")


class InvoiceQuery(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", required=False, help_text=gettext_lazy("ГГГГ-ММ"))


class PayerList(generics.ListAPIView):
    permission_classes = [Operators]
    serializer_class = PayerSerializer
    queryset = Payer.objects.all()


class InvoiceList(generics.ListAPIView):
    """Invoices and credit notes, by month of service."""

    permission_classes = [Operators]
    serializer_class = InvoiceSerializer

    @extend_schema(parameters=[InvoiceQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        month = query(InvoiceQuery, self.request).get("month")
        return selectors.invoices_of(services.month_from(month) if month else None)


class PaymentList(generics.ListCreateAPIView):
    """Payments received; POST records one (matched to an invoice where it can be)."""

    permission_classes = [Operators]
    serializer_class = PaymentSerializer
    queryset = Payment.objects.select_related("invoice")

    @extend_schema(request=NewPayment, responses={201: PaymentSerializer})
    def post(self, request, *args, **kwargs):
        d = body(NewPayment, request)
        payer = Payer.objects.filter(inn=d.pop("payer_inn")).first()
        if payer is None:
            raise serializers.ValidationError({"payer_inn": _("Плательщика с таким ИНН нет.")})
        payment = services.record_payment(payer=payer, by=request.user, ip=client_ip(request), **d)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
