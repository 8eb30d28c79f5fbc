"""People and what they may do. Public schema: one account per person for all schools."""

import hashlib
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy


class UserManager(BaseUserManager):
    def create_user(self, password=None, **fields):
        user = self.model(**fields)
        user.set_password(password)
        user.save()
        return user


class User(AbstractBaseUser):
    email = models.EmailField("e-mail", unique=True, null=True, blank=True)
    phone = models.CharField(gettext_lazy("телефон"), max_length=12, unique=True, null=True, blank=True)
    snils = models.CharField(gettext_lazy("СНИЛС"), max_length=11, unique=True, null=True, blank=True)
    last_name = models.CharField(gettext_lazy("фамилия"), max_length=100)
    first_name = models.CharField(gettext_lazy("имя"), max_length=100)
    middle_name = models.CharField(gettext_lazy("отчество"), max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to sign the person out everywhere else (two-factor turned on): every session carries
    # a hash of it, and a session whose hash no longer matches is signed out on its next request.
    session_version = models.PositiveIntegerField(default=0, db_default=0)

    USERNAME_FIELD = "email"
    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False) | Q(snils__isnull=False),
                name="user_has_a_login",
            )
        ]

    def __str__(self):
        return self.full_name

    def _get_session_auth_hash(self, secret=None):
        # Django's own HMAC of the password, with the version once it was raised (at 0 the hash
        # is Django's, so introducing it signed nobody out).
        value = f"{self.password}:{self.session_version}" if self.session_version else self.password
        salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    def sign_out_elsewhere(self, request):
        """Every other session of this person ends; the one of `request` goes on."""
        User.objects.filter(pk=self.pk).update(session_version=F("session_version") + 1)
        self.refresh_from_db(fields=["session_version"])
        update_session_auth_hash(request, self)

    @property
    def full_name(self):
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def short_name(self):
        initials = "".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip()


class Role(models.TextChoices):
    SCHOOL_ADMIN = "school_admin", gettext_lazy("Администратор ЭЖ")
    DIRECTOR = "director", gettext_lazy("Директор")
    DEPUTY = "deputy", gettext_lazy("Заместитель директора по УВР")
    TEACHER = "teacher", gettext_lazy("Учитель")
    CLASS_TEACHER = "class_teacher", gettext_lazy("Классный руководитель")
    CLERK = "clerk", gettext_lazy("Секретарь учебной части")
    PUPIL = "pupil", gettext_lazy("Обучающийся")
    PARENT = "parent", gettext_lazy("Родитель (законный представитель)")
    DISTRICT_OFFICIAL = "district_official", gettext_lazy("Специалист управления образования")
    DISTRICT_OPERATOR = "district_operator", gettext_lazy("Оператор района")


STAFF_ROLES = {Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.CLASS_TEACHER, Role.CLERK}
# Who signs in at the school's own address; parents and district staff use the portal.
SCHOOL_SIGN_IN_ROLES = STAFF_ROLES | {Role.PUPIL}
DISTRICT_ROLES = {Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR}
PORTAL_SIGN_IN_ROLES = DISTRICT_ROLES | {Role.PARENT}
# Credentials as the regulations hand them out (shared/seeds 003 3.3, 001 Инструкция 3.2).
INVITED_BY = {
    Role.SCHOOL_ADMIN: Role.SCHOOL_ADMIN,
    Role.DIRECTOR: Role.SCHOOL_ADMIN,
    Role.DEPUTY: Role.SCHOOL_ADMIN,
    Role.TEACHER: Role.SCHOOL_ADMIN,
    Role.CLASS_TEACHER: Role.SCHOOL_ADMIN,
    Role.CLERK: Role.SCHOOL_ADMIN,
    Role.PARENT: Role.CLASS_TEACHER,
    Role.PUPIL: Role.CLASS_TEACHER,
}


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def at(self, school):
        return self.active().filter(school=school)


class Membership(models.Model):
    """A role a person holds: in one school, or in the district (school is empty)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # A member of staff's consent to the school processing their personal data (as a parent's is
    # on their link to the child); given when the invitation is accepted or on their own page.
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], condition=Q(ended_at__isnull=True), name="one_active_membership"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(ended_at__isnull=True, school__isnull=True),
                name="one_active_district_membership",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=True, role__in=sorted(DISTRICT_ROLES))
                | Q(school__isnull=False) & ~Q(role__in=sorted(DISTRICT_ROLES)),
                name="district_roles_have_no_school",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.school or 'район'})"


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: the code is read off paper


def hash_code(code):
    return hashlib.sha256(code.replace("-", "").upper().encode()).hexdigest()


class Invitation(models.Model):
    """One-time credentials. Only the hash is kept: the code is shown once, to print or send."""

    code_hash = models.CharField(max_length=64, unique=True)
    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT)
    role = models.CharField(max_length=20, choices=Role.choices)
    # For parent and pupil invitations: the pupil's id in the school's own schema.
    pupil_id = models.BigIntegerField(null=True, blank=True)
    full_name = models.CharField(gettext_lazy("кому"), max_length=300, blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def new_code():
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    @classmethod
    def find(cls, code):
        return cls.objects.select_related("school").filter(code_hash=hash_code(code or "")).first()

    @property
    def state(self):
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def signs_in_at_portal(self):
        return self.role == Role.PARENT


class LoginAttempt(models.Model):
    """Every sign-in, good or bad: what the sign-in limits count (accounts.lockout) and the weekly
    activity report's source. Written before the password is checked, as a failure until it
    succeeds."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    identifier = models.CharField(max_length=254)
    login_key = models.CharField(max_length=300, blank=True)  # the login as normalised (accounts.lockout)
    ip = models.GenericIPAddressField(null=True)
    network = models.CharField(max_length=50, blank=True)  # the address, an IPv6 one as its /64
    device = models.CharField(max_length=32, blank=True)  # a browser that signed in as this login before
    host = models.CharField(max_length=253)
    success = models.BooleanField()
    refused = models.BooleanField(default=False)  # over a limit: the password was not checked

    class Meta:
        indexes = [models.Index(fields=["login_key", "at"], name="login_attempt_key_at")]


class NotificationPreference(models.Model):
    """How a person wants to be told: the portal always, e-mail if they wish, never in quiet hours.
    A person without an e-mail gets absences by SMS, and marks too if they ask."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="notification_preference")
    email = models.BooleanField(gettext_lazy("по e-mail"), default=True)
    push = models.BooleanField(gettext_lazy("на телефон (уведомления приложения)"), default=True)
    sms = models.BooleanField(gettext_lazy("SMS о пропусках, если нет e-mail"), default=True, db_default=True)
    sms_marks = models.BooleanField(gettext_lazy("SMS и об отметках"), default=False, db_default=False)
    quiet_from = models.TimeField(gettext_lazy("не беспокоить с"), null=True, blank=True)
    quiet_to = models.TimeField(gettext_lazy("до"), null=True, blank=True)

    def is_quiet(self, moment):
        """Whether a local time falls in the quiet hours (which may run over midnight)."""
        if self.quiet_from is None or self.quiet_to is None:
            return False
        if self.quiet_from <= self.quiet_to:
            return self.quiet_from <= moment < self.quiet_to
        return moment >= self.quiet_from or moment < self.quiet_to


class PushSubscription(models.Model):
    """A device of a person's that takes Web Push notifications (the installed web app): where its
    push service listens and the keys that only that device can decrypt with. It lives as long as
    the session it was made in; ended, not deleted, when the person signs out or turns it off or
    the push service says the device is gone.

    The worker posts to the endpoint, so a person must not be able to name any address: only the
    browser vendors' push services, over https and by host name (an SSRF otherwise: the cloud's
    metadata service, Redis on loopback)."""

    # The push services of Chrome/Edge/Opera (FCM), Firefox, Windows and Safari.
    SERVICES = ("fcm.googleapis.com", "updates.push.services.mozilla.com", "*.notify.windows.com", "*.push.apple.com")
    PER_PERSON = 5  # phones, tablets, computers; the oldest ends when a sixth subscribes

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=50)
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.service

    @property
    def service(self):
        return urlsplit(self.endpoint).hostname or ""

    @classmethod
    def service_of(cls, endpoint):
        """The push service an endpoint names, or None when it is not one of SERVICES over https
        on the standard port (settings.PUSH_LOOPBACK_FOR_TESTS adds http on 127.0.0.1)."""
        try:
            parts = urlsplit(endpoint)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            return None
        if settings.PUSH_LOOPBACK_FOR_TESTS and parts.scheme == "http" and host == "127.0.0.1":
            return host
        if parts.scheme != "https" or port not in (None, 443) or parts.username or parts.password:
            return None
        known = any(host == s or (s.startswith("*.") and host.endswith(s[1:])) for s in cls.SERVICES)
        return host if known else None

    def reaches_only_public_addresses(self):
        """At send time: every address the service's name resolves to is public. The names are
        the vendors' own, so this guards a misconfigured resolver rather than an attacker."""
        host = self.service_of(self.endpoint)
        if host is None:
            return False
        if settings.PUSH_LOOPBACK_FOR_TESTS and host == "127.0.0.1":
            return True
        try:
            found = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
        except OSError:
            return False
        return bool(found) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in found)


def identity_provider_name(key):
    """An identity provider's name as people know it («Госуслуги»), from settings.IDENTITY_PROVIDERS."""
    return settings.IDENTITY_PROVIDERS.get(key, {}).get("name", key)


class OutsideIdentity(models.Model):
    """A person's identity at an identity provider (Госуслуги, a regional one), linked to their one
    account: the provider's stable subject id. Linked by the person themselves, never made by the
    provider's say-so alone (accounts.outside); ended, not deleted, when unlinked."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="outside_identities")
    provider = models.CharField(max_length=30)  # a key of settings.IDENTITY_PROVIDERS
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], condition=Q(ended_at__isnull=True), name="one_link_per_outside_identity"
            )
        ]

    @property
    def provider_name(self):
        return identity_provider_name(self.provider)
