from django import forms
from django.utils.translation import gettext_lazy as _

from .models import STAFF_ROLES, NotificationPreference, Role


class SignInForm(forms.Form):
    identifier = forms.CharField(label=_("E-mail, телефон или СНИЛС"), max_length=254)
    password = forms.CharField(label=_("Пароль"), widget=forms.PasswordInput)


class ForgottenPasswordForm(forms.Form):
    identifier = forms.CharField(label=_("E-mail, телефон или СНИЛС, с которым вы входите"), max_length=254)


def code_field(label):
    """A 6-digit code typed off an SMS or a letter (the phone offers its digits and the code)."""
    return forms.CharField(
        label=label,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PasswordTwiceForm(forms.Form):
    """A form with `password` and `password_again`, which must match."""

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("Пароли не совпадают."))
        return data


class CodePasswordForm(PasswordTwiceForm):
    code = code_field(_("Код из SMS"))
    password = forms.CharField(
        label=_("Новый пароль"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Новый пароль ещё раз"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class NewEmailForm(forms.Form):
    email = forms.CharField(label=_("Новый e-mail"), max_length=254)


class NewPhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Новый мобильный телефон"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class ContactCodeForm(forms.Form):
    code = code_field(_("Код подтверждения"))


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "push", "sms", "sms_marks", "quiet_from", "quiet_to"]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}),
            "quiet_to": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_from")) != bool(data.get("quiet_to")):
            raise forms.ValidationError(_("Укажите оба времени тихих часов или ни одного."))
        return data


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Код приглашения"), max_length=20, help_text=_("Например, ABCDE-FGH23"))


class NewAccountForm(PasswordTwiceForm):
    last_name = forms.CharField(label=_("Фамилия"), max_length=100)
    first_name = forms.CharField(label=_("Имя"), max_length=100)
    middle_name = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Мобильный телефон"), max_length=20, required=False)
    snils = forms.CharField(label=_("СНИЛС"), max_length=14, required=False)
    password = forms.CharField(label=_("Пароль"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Пароль ещё раз"), widget=forms.PasswordInput)


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("Я даю согласие на обработку персональных данных моих и моего ребёнка (152-ФЗ)"),
        required=False,
    )

    def __init__(self, *args, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["consent"].label = _("Я даю согласие на обработку моих персональных данных (152-ФЗ)")


class PersonCorrectionForm(forms.Form):
    last_name = forms.CharField(label=_("Фамилия"), max_length=100)
    first_name = forms.CharField(label=_("Имя"), max_length=100)
    middle_name = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    reason = forms.CharField(label=_("Основание (приказ, документ)"), max_length=500)


class StaffInvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Роль"), choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES])
    full_name = forms.CharField(label=_("ФИО сотрудника"), max_length=300)


class EndMembershipForm(forms.Form):
    reason = forms.CharField(label=_("Основание (приказ)"), max_length=500)
