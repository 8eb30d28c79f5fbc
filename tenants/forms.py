from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import School


class SchoolForm(forms.Form):
    # A school's name is Russian in any language of the interface: its example is marked so.
    name = forms.CharField(
        label=_("Полное наименование"),
        max_length=400,
        help_text=format_lazy('{} <span lang="ru">МБОУ «Средняя общеобразовательная школа № 1»</span>', _("Например:")),
    )
    short_name = forms.CharField(
        label=_("Краткое наименование"),
        max_length=200,
        help_text=format_lazy('{} <span lang="ru">СОШ № 1</span>', _("Например:")),
    )
    slug = forms.CharField(
        label=_("Адрес"),
        max_length=64,
        help_text=_("Латинские строчные буквы, цифры и дефис: school1 → school1.<домен района>"),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Новое состояние"), choices=School.Status.choices)
    reason = forms.CharField(label=_("Причина"), max_length=500)


class AdminInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("ФИО администратора ЭЖ"), max_length=300)


class SmsLimitForm(forms.Form):
    limit = forms.IntegerField(label=_("SMS-уведомлений в месяц"), min_value=0, max_value=1_000_000)
