"""Writes about people: signing in, credentials (invitations), memberships, consent."""

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context

from audit.models import AuditEntry, record
from sms import services as sms
from tenants.models import School

from . import lockout, tasks
from .backends import find_user
from .identifiers import candidates, normalize_email, normalize_phone, normalize_snils
from .models import (
    INVITED_BY,
    STAFF_ROLES,
    Invitation,
    LoginAttempt,
    Membership,
    OutsideIdentity,
    PushSubscription,
    Role,
    User,
    hash_code,
    identity_provider_name,
)
from .signals import pupil_invitation_accepted

CONSENT_VERSION = "2026-1"


class SignInError(Exception):
    def __init__(self, message, locked=False):
        super().__init__(message)
        self.locked = locked


def sign_in(identifier, password, *, ip, host, request):
    """The account behind these credentials, or SignInError with a message for the person.
    The attempt is written and committed first, then counted against the limits
    (accounts.lockout), and only then is the password checked; the sign-in views are
    non-atomic, so that each attempt is committed before it is counted. An unknown login is
    answered exactly like a wrong password."""
    key = lockout.login_key(identifier)
    attempt = LoginAttempt.objects.create(
        user=find_user(identifier or ""),
        identifier=(identifier or "")[:254],
        login_key=key,
        ip=ip,
        network=lockout.network_of(ip),
        device=lockout.known_device(request, key),
        host=host,
        success=False,
    )
    refusal = lockout.over_limit(attempt)
    if refusal:
        LoginAttempt.objects.filter(pk=attempt.pk).update(refused=True)
        raise SignInError(refusal, locked=True)
    user = authenticate(request, username=identifier or "", password=password or "")
    if user is not None:
        LoginAttempt.objects.filter(pk=attempt.pk).update(success=True, user=user)
        return user
    refusal = lockout.over_limit(attempt, checked=True)
    if refusal:
        raise SignInError(refusal, locked=True)
    raise SignInError(_("Неверный логин или пароль."))


RESETS_PER_HOUR = 3  # links or codes a login is sent in an hour, however often they are asked for
CODE_MINUTES = {"email": 15, "phone": 10}  # an SMS code is typed off the same phone, at once
CODE_TRIES = 5
PENDING_RESET, PENDING_CONTACT = "password_code", "contact_change"


def _new_code(session, key, minutes, **extra):
    """A 6-digit code, of which the session keeps only the hash, its end and the tries left."""
    code = f"{secrets.randbelow(10**6):06d}"
    until = timezone.now() + timedelta(minutes=minutes)
    session[key] = {"code": hash_code(code), "until": until.isoformat(), "tries": 0, **extra}
    return code


def _take_code(session, key, code, where):
    """The pending value for `key` if `code` is its code; otherwise ValidationError saying what
    to do next. After CODE_TRIES wrong codes, or past its end, the code is gone."""
    pending = session.get(key)
    if not pending or timezone.now() > datetime.fromisoformat(pending["until"]):
        session.pop(key, None)
        raise ValidationError({"code": _("Код устарел или не запрашивался: запросите новый.")})
    if hash_code((code or "").strip()) != pending["code"]:
        pending["tries"] += 1
        if pending["tries"] >= CODE_TRIES:
            session.pop(key)
            raise ValidationError({"code": _("Код не подошёл пять раз: запросите новый.")})
        session[key] = pending
        raise ValidationError({"code": _("Код не подошёл: проверьте %(where)s.") % {"where": where}})
    return pending


def request_password_reset(identifier, *, ip, host, session):
    """Sends the login's owner a way to set a new password: a link to their e-mail, or a code by
    SMS when they signed up with a phone (or typed it). The session always gets a pending code,
    so the page after is the same whether or not the login is someone's."""
    _new_code(session, PENDING_RESET, CODE_MINUTES["phone"], user=None)  # a code nobody was sent
    user = find_user(identifier or "")
    if user is None or not user.is_active:
        return
    since = timezone.now() - timedelta(hours=1)
    with schema_context("public"):  # a person's entries are in public, whichever address asked
        asked = AuditEntry.objects.filter(
            action="user.password_reset_requested", target_type="accounts.user", target_id=user.pk, at__gte=since
        ).count()
    if asked >= RESETS_PER_HOUR:
        return
    typed = candidates(identifier)
    if user.email and ("email" in typed or not user.phone):
        channel = "email"
        transaction.on_commit(lambda: tasks.send_or_log(tasks.send_password_link, user.pk, host))
    else:
        channel = "sms"
        code = _new_code(session, PENDING_RESET, CODE_MINUTES["phone"], user=user.pk)
        text = _("Электронный дневник: код для нового пароля %(code)s. Никому его не сообщайте.") % {"code": code}
        sms.send_about_account(user.phone, text, minutes=CODE_MINUTES["phone"])
    record("user.password_reset_requested", user, ip=ip, new={"channel": channel})


@transaction.atomic
def reset_password(user, password, *, ip):
    """A new password from the link or the code: every session the person had ends with the old
    password; one with two-factor still gives the second factor at the next sign-in."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record("user.password_reset", user, by=user, ip=ip)


def reset_password_with_code(code, password, *, session, ip):
    """The code from the SMS and the new password, typed together."""
    pending = _take_code(session, PENDING_RESET, code, "SMS")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:  # the code was for a login nobody has: it cannot match, this is for safety
        raise ValidationError({"code": _("Код устарел или не запрашивался: запросите новый.")})
    reset_password(user, password, ip=ip)  # a password refused leaves the code for another try
    session.pop(PENDING_RESET)
    return user


CONTACTS = {
    "email": (normalize_email, gettext_lazy("Введите e-mail полностью, например ivanova@mail.ru.")),
    "phone": (normalize_phone, None),
}
CONTACT_NAMES = {"email": gettext_lazy("Этот e-mail"), "phone": gettext_lazy("Этот телефон")}


def start_contact_change(user, kind, value, *, session, ip):
    """A code to the new e-mail or phone; the contact changes only once the code is typed back
    (confirm_contact_change). Whether it is someone else's is said only then, to whoever holds it."""
    normalize, message = CONTACTS[kind]
    try:
        value = normalize(value)
    except ValidationError as error:
        raise ValidationError({kind: message or error.messages}) from None
    if value == getattr(user, kind):
        raise ValidationError({kind: _("%(value)s — ваш нынешний.") % {"value": CONTACT_NAMES[kind]}})
    code = _new_code(session, PENDING_CONTACT, CODE_MINUTES[kind], kind=kind, value=value)
    record(f"user.{kind}_change_requested", user, by=user, ip=ip)
    if kind == "email":
        transaction.on_commit(lambda: tasks.tell(user.pk, "email_code", to=value, code=code))
    else:
        sms.send_about_account(
            value,
            _("Электронный дневник: код для смены телефона %(code)s.") % {"code": code},
            minutes=CODE_MINUTES[kind],
        )
    return value


@transaction.atomic
def confirm_contact_change(user, code, *, session, ip):
    """Returns what changed: "email" or "phone"."""
    where = (
        _("письмо на новом адресе")
        if session.get(PENDING_CONTACT, {}).get("kind") == "email"
        else _("SMS на новом номере")
    )
    pending = _take_code(session, PENDING_CONTACT, code, where)
    kind, value = pending["kind"], pending["value"]
    session.pop(PENDING_CONTACT)
    if User.objects.filter(**{kind: value}).exclude(pk=user.pk).exists():
        raise ValidationError(
            {kind: _("%(value)s уже используется другой учётной записью.") % {"value": CONTACT_NAMES[kind]}}
        )
    old = getattr(user, kind)
    setattr(user, kind, value)
    user.save(update_fields=[kind])
    record(f"user.{kind}_changed", user, by=user, ip=ip, old={kind: old}, new={kind: value})
    if old and kind == "email":
        transaction.on_commit(lambda: tasks.tell(user.pk, "email_changed", to=old))
    elif old:  # so that a takeover does not go unseen
        text = _(
            "Электронный дневник: телефон вашей учётной записи изменён. Если это сделали не вы, обратитесь в школу."
        )
        sms.send_about_account(old, text)
    return kind


@transaction.atomic
def link_outside_identity(user, identity, *, ip):
    """Links an identity at a provider (accounts.outside.Identity) to the person's account. A SNILS
    the provider vouches for must be the account's, if it has one; an account without one takes it."""
    name = identity_provider_name(identity.provider)
    if identity.snils and user.snils and identity.snils != user.snils:
        raise ValidationError(
            _("СНИЛС, подтверждённый через %(name)s, не совпадает со СНИЛС вашей учётной записи.") % {"name": name}
        )
    taken = OutsideIdentity.objects.select_for_update().filter(
        provider=identity.provider, subject=identity.subject, ended_at__isnull=True
    )
    if taken.exclude(user=user).exists():
        raise ValidationError(
            _("Эта учётная запись %(name)s уже связана с другим пользователем дневника.") % {"name": name}
        )
    link = taken.filter(user=user).first() or OutsideIdentity.objects.create(
        user=user, provider=identity.provider, subject=identity.subject
    )
    if identity.snils and not user.snils and not User.objects.filter(snils=identity.snils).exists():
        user.snils = identity.snils
        user.save(update_fields=["snils"])
    record("user.outside_linked", user, by=user, ip=ip, new={"provider": identity.provider})
    return link


@transaction.atomic
def unlink_outside_identity(user, link_id, *, ip):
    link = OutsideIdentity.objects.select_for_update().filter(user=user, pk=link_id, ended_at__isnull=True).first()
    if link is None:
        return None
    link.ended_at = timezone.now()
    link.save(update_fields=["ended_at"])
    record("user.outside_unlinked", user, by=user, ip=ip, old={"provider": link.provider})
    return link


@transaction.atomic
def set_notification_preference(form, *, by, ip):
    """Saves a valid PreferenceForm of the person's own."""
    preference = form.save()
    fields = ("email", "push", "sms", "sms_marks", "quiet_from", "quiet_to")
    record("notification_preference.set", preference, by=by, ip=ip, new={f: getattr(preference, f) for f in fields})
    return preference


def may_issue(user, school, role, pupil=None):
    """The regulations' rule: staff credentials from the school admin, parents' and pupils'
    from the pupil's class teacher; a new school's first admin from the district operator."""
    if (
        role == Role.SCHOOL_ADMIN
        and Membership.objects.active().filter(user=user, role=Role.DISTRICT_OPERATOR, school__isnull=True).exists()
    ):
        # Only a school's first admin: later ones come from the school's own admin.
        return not Membership.objects.at(school).filter(role=Role.SCHOOL_ADMIN).exists()
    issuer_role = INVITED_BY.get(role)
    if role in (Role.PARENT, Role.PUPIL):
        if pupil is None or pupil.withdrawn_on is not None:
            return False
        if pupil.school_class.class_teacher_id is None:
            # A class without its class teacher yet (one a contingent import just made): the
            # school admin, who keeps the lists, hands out the family's codes until one is named.
            issuer_role = Role.SCHOOL_ADMIN
        elif pupil.school_class.class_teacher_id != user.id:
            return False
    return issuer_role is not None and Membership.objects.at(school).filter(user=user, role=issuer_role).exists()


@transaction.atomic
def issue_invitation(*, school, role, by, ip, pupil=None, full_name=""):
    """Returns (invitation, code). The code is not stored, only its hash: show it now."""
    if not school.is_writable:
        raise ValidationError(_("Школа работает только на чтение: приглашения не выдаются."))
    if role in (Role.PARENT, Role.PUPIL) and pupil is None:
        raise ValidationError(_("Для приглашения родителя или обучающегося выберите обучающегося."))
    if not may_issue(by, school, role, pupil):
        raise PermissionDenied(_("Выдавать такие приглашения может другой сотрудник (см. регламент)."))
    full_name = " ".join((full_name or "").split())[:300]
    code = Invitation.new_code()
    invitation = Invitation.objects.create(
        code_hash=hash_code(code),
        school=school,
        role=role,
        pupil_id=pupil.pk if pupil else None,
        full_name=full_name,
        issued_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    record(
        "invitation.issued",
        invitation,
        by=by,
        ip=ip,
        new={"school": school.slug, "role": role, "pupil_id": invitation.pupil_id, "full_name": full_name},
    )
    return invitation, code


@transaction.atomic
def revoke_invitation(invitation, *, by, ip):
    if invitation.state != "active":
        raise ValidationError(_("Приглашение уже не действует."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record("invitation.revoked", invitation, by=by, ip=ip)


@dataclass
class NewAccount:
    last_name: str
    first_name: str
    middle_name: str = ""
    email: str = ""
    phone: str = ""
    snils: str = ""
    password: str = ""


@transaction.atomic
def create_person(data: NewAccount, *, by=None, ip=None):
    """A new account, checked like every other: used by invitations, imports and the demo seed.
    An empty password leaves the account unable to sign in until one is set."""
    user = _create_account(data)
    record("user.created", user, by=by or user, ip=ip, new={"full_name": user.full_name})
    return user


@transaction.atomic
def add_membership(user, school, role, *, by=None, ip=None):
    membership, created = Membership.objects.get_or_create(user=user, school=school, role=role, ended_at=None)
    if created:
        record(
            "membership.created",
            membership,
            by=by,
            ip=ip,
            new={"user": user.pk, "school": school.slug if school else None, "role": role},
        )
    return membership


def _create_account(data: NewAccount):
    errors, fields = {}, {}
    for name, normalize in (("email", normalize_email), ("phone", normalize_phone), ("snils", normalize_snils)):
        value = getattr(data, name).strip()
        if not value:
            continue
        try:
            fields[name] = normalize(value)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        if User.objects.filter(**{name: fields[name]}).exists():
            errors[name] = [_("Такой логин уже занят. Если это вы, войдите и примите приглашение.")]
    if not (data.email.strip() or data.phone.strip() or data.snils.strip()):
        errors["email"] = [_("Укажите хотя бы один логин: e-mail, телефон или СНИЛС.")]
    for name in ("last_name", "first_name"):
        if not getattr(data, name).strip():
            errors[name] = [_("Обязательное поле.")]
    user = User(
        last_name=data.last_name.strip(),
        first_name=data.first_name.strip(),
        middle_name=data.middle_name.strip(),
        **fields,
    )
    if data.password:
        try:
            validate_password(data.password, user)
        except ValidationError as error:
            errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(data.password or None)
    user.save()
    return user


INVITATION_STATE_MESSAGES = {
    "used": gettext_lazy("Это приглашение уже использовано. Войдите со своим логином и паролем."),
    "expired": gettext_lazy("Срок действия приглашения истёк. Попросите выдать новое."),
    "revoked": gettext_lazy("Приглашение отозвано. Попросите выдать новое."),
}


@transaction.atomic
def redeem_invitation(invitation, *, ip, user=None, new_account: NewAccount | None = None, consent=False):
    """Accepts an invitation: for a new person this is the first sign-in, where the password is
    set; for a signed-in person it adds a role or a child to the one account they have."""
    invitation = Invitation.objects.select_for_update().select_related("school").get(pk=invitation.pk)
    if invitation.state != "active":
        raise ValidationError(INVITATION_STATE_MESSAGES[invitation.state])
    school = invitation.school
    if not school.is_writable:
        raise ValidationError(_("Школа работает только на чтение: приглашения сейчас не принимаются."))
    if user is not None and invitation.issued_by_id == user.pk:
        raise ValidationError(_("Нельзя принять приглашение, выданное самому себе: роль выдаёт другой сотрудник."))
    if user is not None and Membership.objects.active().filter(user=user, school__isnull=True).exists():
        # District staff see counts, never a pupil: their account takes no school role.
        raise ValidationError(
            _("Сотрудник управления образования не может получить роль в школе с той же учётной записью.")
        )
    if invitation.role == Role.PARENT and not consent:
        raise ValidationError(
            {"consent": _("Без согласия на обработку персональных данных доступ к данным ребёнка не открывается.")}
        )
    if invitation.role in STAFF_ROLES and not consent:
        raise ValidationError(
            {"consent": _("Школа ведёт электронный журнал с вашими данными только с вашего согласия: отметьте его.")}
        )
    if user is None:
        if not (new_account and new_account.password):
            raise ValidationError({"password": _("Придумайте пароль.")})
        user = create_person(new_account, ip=ip)
    membership = add_membership(user, school, invitation.role, by=invitation.issued_by, ip=ip)
    if invitation.role in STAFF_ROLES:
        give_staff_consent(membership, ip=ip)

    if invitation.pupil_id is not None:
        with schema_context(school.schema_name):
            pupil_invitation_accepted.send(Invitation, invitation=invitation, user=user, ip=ip)

    invitation.used_at, invitation.used_by = timezone.now(), user
    invitation.save(update_fields=["used_at", "used_by"])
    record("invitation.used", invitation, by=user, ip=ip)
    return user


def give_staff_consent(membership, *, ip):
    """A member of staff consents to the school processing their personal data (152-ФЗ)."""
    if membership.consent_at:
        return membership
    membership.consent_at, membership.consent_version = timezone.now(), CONSENT_VERSION
    membership.save(update_fields=["consent_at", "consent_version"])
    record("membership.consent", membership, by=membership.user, ip=ip, new={"version": CONSENT_VERSION})
    return membership


PERSON_FIELDS = ("last_name", "first_name", "middle_name")


@transaction.atomic
def correct_person(user, *, reason, by, ip, **changes):
    """A member of staff's misspelt name put right by the school's administrator or clerk, on the
    strength of a document (the reason); the old value stays in the history."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError(
            {"reason": _("Укажите основание исправления: приказ или документ (не короче 5 символов).")}
        )
    new = {}
    for field in PERSON_FIELDS:
        value = " ".join((changes.get(field) or "").split())
        if field != "middle_name" and not value:
            raise ValidationError({field: _("Фамилия и имя не могут быть пустыми.")})
        if value != getattr(user, field):
            new[field] = value
    if not new:
        raise ValidationError(_("Данные не изменились: исправлять нечего."))
    user = User.objects.select_for_update().get(pk=user.pk)
    old = {field: getattr(user, field) for field in new}
    for field, value in new.items():
        setattr(user, field, value)
    user.save(update_fields=list(new))
    record("user.corrected", user, by=by, ip=ip, old=old, new=new, reason=reason[:500])
    return user


@transaction.atomic
def end_membership(membership, *, by, ip, reason):
    if membership.role not in STAFF_ROLES:
        raise ValidationError(_("Здесь завершаются только роли сотрудников."))
    if membership.ended_at:
        raise ValidationError(_("Роль уже завершена."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Укажите причину (например, номер приказа).")})
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    record("membership.ended", membership, by=by, ip=ip, old={"role": membership.role}, reason=reason.strip())


def end_family_membership(user_id, role, *, by, ip, reason):
    """A parent's role at the school ends with their last link to a pupil there (the school's
    schema is active: the caller knows which school)."""
    school = School.objects.get(schema_name=connection.schema_name)
    for membership in Membership.objects.at(school).filter(user_id=user_id, role=role):
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        record("membership.ended", membership, by=by, ip=ip, old={"role": role}, reason=reason)


def _key(text, size, name):
    """A base64url key of `size` bytes, as browsers hand them over."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != size:
        raise ValidationError({f"keys.{name}": _("Ключ %(name)s устройства не подходит.") % {"name": name}})
    return text


@transaction.atomic
def subscribe_push(user, *, endpoint, p256dh, auth, session_key, ip=None):
    """This device takes push notifications for this person while this session lasts. The same
    device signed in as someone else before moves to them only with its own keys (whoever merely
    knows the URL gets nothing); a person keeps PER_PERSON devices, the oldest ending first."""
    service = PushSubscription.service_of(endpoint or "")
    if service is None or len(endpoint) > 1000:
        raise ValidationError(
            {
                "endpoint": _(
                    "Адрес службы уведомлений не подходит: нужна служба браузера (https), а не произвольный адрес."
                )
            }
        )
    p256dh, auth = _key(p256dh or "", 65, "p256dh"), _key(auth or "", 16, "auth")
    device = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if device is not None and device.user_id != user.pk and (device.p256dh, device.auth) != (p256dh, auth):
        raise ValidationError({"keys": _("Это устройство подписано с другими ключами.")})
    device = device or PushSubscription(endpoint=endpoint)
    device.user, device.p256dh, device.auth = user, p256dh, auth
    device.session_key, device.ended_at = session_key or "", None
    device.save()
    # Locked in order, so two subscriptions at once cannot both keep a sixth.
    others = list(
        PushSubscription.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True)
        .exclude(pk=device.pk)
        .order_by("-created_at", "-pk")
    )
    for old in others[PushSubscription.PER_PERSON - 1 :]:
        end_push(old, by=user, ip=ip, reason="too many devices")
    record("push.subscribed", device, by=user, ip=ip, new={"service": service})
    return device


def end_push(device, *, by, ip=None, reason=""):
    device.ended_at = timezone.now()
    device.save(update_fields=["ended_at"])
    record("push.unsubscribed", device, by=by, ip=ip, reason=reason)


def unsubscribe_push(user, *, ip=None, endpoint=None, device_id=None, session_key=None):
    """A device of this person's takes no more notices: named by its endpoint (the browser), its
    id (the list of devices) or the session it was made in (signing out)."""
    devices = PushSubscription.objects.filter(user=user, ended_at__isnull=True)
    if endpoint is not None:
        devices = devices.filter(endpoint=endpoint)
    elif device_id is not None:
        devices = devices.filter(pk=device_id)
    elif session_key:
        devices = devices.filter(session_key=session_key)
    else:
        return 0
    ended = list(devices)
    for device in ended:
        end_push(device, by=user, ip=ip, reason="signed out" if session_key else "")
    return len(ended)
