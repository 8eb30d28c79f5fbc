"""The three ways a person signs in: e-mail, phone or SNILS. Each is checked and
normalised here, so that the same person typed two ways is one account."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def snils_checksum(digits9):
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    return 0 if total % 101 == 100 else total % 101


def normalize_snils(value):
    """'112-233-445 95' -> '11223344595'; a wrong length or check sum is an error."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\d{11}", digits):
        raise ValidationError(_("СНИЛС состоит из 11 цифр, например 112-233-445 95."))
    # Numbers up to 001-001-998 were issued before check sums existed and are not valid logins.
    if int(digits[:9]) > 1001998 and snils_checksum(digits[:9]) != int(digits[9:]):
        raise ValidationError(_("СНИЛС указан с ошибкой: не сходится контрольное число."))
    return digits


def format_snils(digits):
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def normalize_phone(value):
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    if len(digits) == 11 and digits[0] in "78" and digits[1] == "9":
        return "+7" + digits[1:]
    raise ValidationError(_("Телефон: мобильный номер России, например +7 912 345-67-89."))


def normalize_email(value):
    value = (value or "").strip().lower()
    validate_email(value)
    return value


def candidates(identifier):
    """Which fields a typed login may mean: {'email': ...} or phone and/or SNILS."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        try:
            return {"email": normalize_email(identifier)}
        except ValidationError:
            return {}
    found = {}
    for field, normalize in (("phone", normalize_phone), ("snils", normalize_snils)):
        try:
            found[field] = normalize(identifier)
        except ValidationError:
            pass
    return found
