"""Two-factor sign-in (django-otp): a TOTP app, with one-time recovery codes. Required for
district staff and school administration (TWO_FACTOR_ROLES at the address signed in at),
optional for everyone else; once a person has set it up it is asked of them everywhere."""

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit.models import record

from .models import Role, User
from .tasks import tell

TWO_FACTOR_ROLES = {Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR}
RECOVERY_CODES = 10
PENDING = "two_factor_pending_key"


def has_device(user):
    return any(True for _ in devices_for_user(user, confirmed=True))


def needed(request):
    """Whether this request's person must still give a second factor in this session."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    if settings.TWO_FACTOR_REQUIRED and request.roles & TWO_FACTOR_ROLES:
        return True
    if "two_factor_device" not in request.session:  # looked up once a session, not on every page
        request.session["two_factor_device"] = has_device(user)
    return request.session["two_factor_device"]


def pending_app(request):
    """The app being set up in this session. Its secret lives in the session until the first
    code confirms it: another session (someone who once had the password) is shown another
    secret, and no device exists until then."""
    key = request.session.get(PENDING)
    if not key:
        key = request.session[PENDING] = random_hex(20)
    return TOTPDevice(user=request.user, name=_("Приложение"), key=key, confirmed=False)


def setup_link(device):
    label = f"{settings.OTP_TOTP_ISSUER}:{device.user.email or device.user.phone or device.user.short_name}"
    query = urlencode(
        {
            "secret": b32encode(device.bin_key).decode(),
            "issuer": settings.OTP_TOTP_ISSUER,
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{quote(label)}?{query}"


def setup_qr_svg(device):
    return segno.make(setup_link(device), error="m").svg_inline(scale=4, title=_("QR-код для приложения"))


def secret_of(device):
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_app(request, device, token, *, ip):
    """The first code from the app confirms it; returns the recovery codes (shown once) or None.
    The person's other sessions end (one signed in without the second factor would go on
    without it), and they are told by e-mail."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code = "".join((token or "").split())
    if not code.isdigit() or not totp.verify(int(code), device.tolerance):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user).delete()  # an earlier app, if the person set up a new phone
    device.confirmed, device.last_t = True, totp.t()
    device.save()
    codes = new_recovery_codes(user)
    del request.session[PENDING]
    otp_login(request, device)
    user.sign_out_elsewhere(request)
    record("user.two_factor_on", user, by=user, ip=ip)
    transaction.on_commit(lambda: tell(user.pk, "two_factor_on"))
    return codes


@transaction.atomic
def new_recovery_codes(user):
    static, _created = StaticDevice.objects.get_or_create(
        user=user, name=_("Резервные коды"), defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _number in range(RECOVERY_CODES)]
    static.token_set.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def verify(request, token, *, ip):
    """A code from the app, or a recovery code (each works once). True when accepted. django-otp
    locks the person's device rows while it checks (match_token: SELECT … FOR UPDATE), so codes
    sent at once are checked one after another: each failure counts, a recovery code works once."""
    token = "".join((token or "").split()).replace("-", "")
    device = match_token(request.user, token if token.isdigit() else token.lower())
    if device is None:
        record("user.two_factor_failed", request.user, by=request.user, ip=ip)
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        record("user.recovery_code_used", request.user, by=request.user, ip=ip, new={"left": device.token_set.count()})
    return True


@transaction.atomic
def reset(user, *, by, ip, reason):
    """A person who lost the phone and the recovery codes: the school administrator removes their
    app and codes, with a reason in the history. Every session of theirs ends; at the next sign-in
    they set up the app anew (it stays required where their role needs it), and they are told."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Укажите основание: например, «утерян телефон, заявление от 07.12».")})
    if user.pk == by.pk:
        raise ValidationError(_("Свой второй фактор сбрасывает другой администратор."))
    for device in devices_for_user(user, confirmed=None):
        device.delete()  # a lost phone's secret must not stay valid
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    record("user.two_factor_reset", user, by=by, ip=ip, reason=reason.strip())
    transaction.on_commit(lambda: tell(user.pk, "two_factor_reset"))
