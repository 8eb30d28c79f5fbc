"""Schools (the tenants) and their addresses. Public schema."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.models import DomainMixin, TenantMixin

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")
# Names that would collide with the portal's own host names or PostgreSQL's schemas.
RESERVED_SLUGS = {
    "public",
    "information-schema",
    "information_schema",
    "www",
    "api",
    "portal",
    "district",
    "admin",
    "static",
    "media",
    "mail",
    "smtp",
    "localhost",
    "template",
    "postgres",
    "test",
}


def validate_slug(slug):
    if slug in RESERVED_SLUGS or slug.startswith(("pg_", "pg-")):
        raise ValidationError(_("Адрес «%(slug)s» зарезервирован, выберите другой."), params={"slug": slug})
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ValidationError(
            _(
                "Адрес школы: от 3 до 30 строчных латинских букв, цифр и дефисов; "
                "начинается с буквы, не заканчивается дефисом."
            )
        )


class SchoolQuerySet(models.QuerySet):
    def working(self):
        """The schools at work: not the public tenant, not suspended or archived."""
        return self.exclude(schema_name="public").filter(status=School.Status.ACTIVE)


class School(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Работает")
        SUSPENDED = "suspended", gettext_lazy("Приостановлена (только чтение)")
        ARCHIVED = "archived", gettext_lazy("В архиве (только чтение)")

    name = models.CharField(gettext_lazy("полное наименование"), max_length=300)
    short_name = models.CharField(gettext_lazy("краткое наименование"), max_length=100)
    slug = models.CharField(gettext_lazy("адрес"), max_length=30, unique=True, validators=[validate_slug])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Notices are waiting here: the minute's sweep visits only such schools (tenants/outbox.py).
    outbox_at = models.DateTimeField(null=True, blank=True)
    # Urgent notices by SMS to parents with only a phone, paid by the school (sms.services).
    sms_monthly_limit = models.PositiveIntegerField(gettext_lazy("SMS в месяц"), default=500, db_default=500)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolQuerySet.as_manager()

    # Provisioning creates the schema itself, inside the same transaction as this row.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["short_name"]

    def __str__(self):
        return self.short_name

    @staticmethod
    def schema_for_slug(slug):
        # Hyphens are not allowed in a bare schema name; slugs have no underscores, so this is one-to-one.
        return "school_" + slug.replace("-", "_")

    @property
    def host(self):
        return f"{self.slug}.{settings.BASE_DOMAIN}"

    @property
    def is_writable(self):
        return self.status == self.Status.ACTIVE

    @property
    def is_ready(self):
        """Periodic jobs run only for schools that are working."""
        return self.status == self.Status.ACTIVE

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Школы не удаляются: их можно приостановить или перевести в архив."))


class Domain(DomainMixin):
    pass


class SchoolFigures(models.Model):
    """Aggregate counts written by each school's own task; the district console reads only these."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="figures")
    classes = models.PositiveIntegerField(default=0)
    pupils = models.PositiveIntegerField(default=0)
    staff = models.PositiveIntegerField(default=0)
    pupils_with_parent = models.PositiveIntegerField(default=0)
    active_pupils = models.PositiveIntegerField(default=0)  # signed in within 30 days
    storage_bytes = models.BigIntegerField(default=0)  # the school's stored files
    updated_at = models.DateTimeField(auto_now=True)
