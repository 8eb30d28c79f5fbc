"""Sign-in limits that hold when guesses arrive together.

Every attempt is written and committed before its password is checked, and each check counts
the committed attempts: of any number sent at once, the k-th to count sees at least k, so no
more than the limit's number of passwords is ever checked, however many arrive in the same
instant (django-axes, used before, counted a failure after the slow hash: 19 guesses sent at
once were all checked, then the right password got in). Counted in PostgreSQL, so the limits
hold with Redis down. Three limits:

- per login and network (an IPv4 address, an IPv6 /64): LOCKOUT_ATTEMPTS, then a wait of
  LOCKOUT_MINUTES that doubles with each further lockout (at most a day);
- per login from browsers it was never signed in from: ACCOUNT_CEILING an hour, so spreading
  guesses over addresses buys nothing; the person is told by e-mail once it is reached;
- per known browser (a signed cookie it got when it signed in as this login: OWASP's "device
  cookies"): LOCKOUT_ATTEMPTS of its own, so the owner still signs in from their own phone
  while strangers are held back by the ceiling.

A successful sign-in starts a login's counts afresh."""

import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .identifiers import candidates
from .models import LoginAttempt
from .tasks import tell

DEVICE_COOKIE = "known_device"
DEVICE_SALT = "accounts.lockout.device"
DEVICE_DAYS = 365
ACCOUNT_WINDOW = timedelta(hours=1)


def login_key(typed):
    """The login as counted: normalised, so "+7 900…" and "8900…" are one; a login nobody has
    counts the same as an existing one."""
    found = candidates(typed or "")
    return "|".join(f"{k}:{v}" for k, v in sorted(found.items())) if found else (typed or "").strip().lower()[:254]


def network_of(ip):
    """An IPv6 client holds a whole /64: its addresses are one network here."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def known_device(request, key):
    """The id of this browser if it signed in as `key` before (its cookie is ours and for this login)."""
    try:
        value = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=timedelta(days=DEVICE_DAYS)
        )
    except signing.BadSignature:
        return ""
    return value.get("device", "") if isinstance(value, dict) and value.get("login") == key else ""


def remember_device(response, key):
    value = signing.dumps({"login": key, "device": secrets.token_hex(16)}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def lockout_period(failures):
    """LOCKOUT_MINUTES after the first lockout, doubling with each further one, at most a day."""
    doublings = min(max(0, failures // settings.LOCKOUT_ATTEMPTS - 1), 16)
    return min(timedelta(minutes=settings.LOCKOUT_MINUTES) * 2**doublings, timedelta(days=1))


def _failures(attempts, since):
    """Failures after `since` and after the last success among `attempts`."""
    last_success = attempts.filter(success=True, at__gt=since).aggregate(at=Max("at"))["at"]
    return attempts.filter(success=False, at__gt=last_success or since)


def over_limit(attempt, *, checked=False):
    """Why `attempt` (committed, still counted as a failure) may not be checked, as a sentence for
    the person, or None. With checked=True, after its password failed: whether it was the one
    that reached a limit (the person is told at once, not at the next try)."""
    now = timezone.now()
    limit = settings.LOCKOUT_ATTEMPTS if checked else settings.LOCKOUT_ATTEMPTS + 1
    mine = LoginAttempt.objects.filter(login_key=attempt.login_key)
    if attempt.device:
        recent = _failures(mine.filter(device=attempt.device), now - timedelta(minutes=settings.LOCKOUT_MINUTES))
        if recent.count() >= limit:
            return _("Слишком много неудачных попыток входа. Повторите через %(LOCKOUT_MINUTES)s мин.") % {
                "LOCKOUT_MINUTES": settings.LOCKOUT_MINUTES
            }
        return None
    pair = _failures(mine.filter(network=attempt.network, device=""), now - timedelta(days=1))
    period = lockout_period(pair.count())
    if pair.filter(at__gt=now - period).count() >= limit:
        minutes = int(period.total_seconds() // 60)
        return _("Слишком много неудачных попыток входа с этого адреса. Повторите через %(minutes)s мин.") % {
            "minutes": minutes
        }
    strangers = _failures(mine, now - ACCOUNT_WINDOW).filter(device="").count()
    if not checked and strangers > settings.ACCOUNT_CEILING:
        if strangers == settings.ACCOUNT_CEILING + 1 and attempt.user_id:
            tell(attempt.user_id, "guessing")
        return _(
            "Слишком много неудачных попыток войти в эту учётную запись с разных адресов. Войдите с "
            "устройства, с которого входили раньше, или повторите через час."
        )
    return None
