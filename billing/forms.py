from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import School

from .models import Payer, Plan


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = ["name", "inn", "kpp", "address", "bank", "bik", "account", "correspondent_account", "contacts"]


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Название"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Способ расчёта"), choices=Plan.Kind.choices)
    tiers = forms.CharField(
        label=gettext_lazy("Ступени цены: «от — цена» через точку с запятой"),
        initial="0 — 12,00",
        help_text=gettext_lazy("Например: 0 — 12,00; 5000 — 10,00 (цена ступени, которой достиг весь договор)."),
    )
    vat_rate = forms.IntegerField(
        label=gettext_lazy("Ставка НДС, % (пусто — без НДС)"), required=False, min_value=0, max_value=30
    )
    prices_include_vat = forms.BooleanField(label=gettext_lazy("Цены включают НДС"), required=False, initial=True)
    vat_note = forms.CharField(label=gettext_lazy("Основание «Без НДС»"), required=False, max_length=200)

    def clean_tiers(self):
        pairs = []
        for part in self.cleaned_data["tiers"].split(";"):
            bits = [bit.strip().replace(",", ".") for bit in part.replace("—", "-").split("-") if bit.strip()]
            if len(bits) != 2:
                raise forms.ValidationError(_("Каждая ступень — «от — цена», например «0 — 12,00»."))
            pairs.append(bits)
        return pairs


class ContractForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Номер договора"), max_length=50)
    signed_on = forms.DateField(label=gettext_lazy("Дата договора"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_on = forms.DateField(label=gettext_lazy("Действует с"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("по"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    plan = forms.ModelChoiceField(label=gettext_lazy("План"), queryset=Plan.objects.all())
    schools = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Школы"),
        queryset=School.objects.exclude(schema_name="public"),
        widget=forms.CheckboxSelectMultiple,
    )
    payment_days = forms.IntegerField(label=gettext_lazy("Срок оплаты, дней"), initial=10, min_value=1, max_value=90)


class PlanChangeForm(forms.Form):
    plan = forms.ModelChoiceField(label=gettext_lazy("Новый план"), queryset=Plan.objects.all())
    effective_from = forms.DateField(
        label=gettext_lazy("С (1-е число месяца)"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PaymentForm(forms.Form):
    payer = forms.ModelChoiceField(label=gettext_lazy("Плательщик"), queryset=Payer.objects.all())
    received_on = forms.DateField(
        label=gettext_lazy("Дата поступления"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(label=gettext_lazy("Сумма, ₽"), max_digits=14, decimal_places=2, min_value=0)
    document_number = forms.CharField(label=gettext_lazy("№ платёжного поручения"), max_length=20)
    purpose = forms.CharField(label=gettext_lazy("Назначение платежа"), max_length=500, required=False)


class StatementForm(forms.Form):
    statement = forms.FileField(label=gettext_lazy("Выписка банка (файл обмена 1С, kl_to_1c.txt)"))


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Уменьшить на, ₽"), max_digits=14, decimal_places=2)
    reason = forms.CharField(label=gettext_lazy("Причина"), max_length=500)
