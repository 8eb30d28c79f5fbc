"""Writes about schools: provisioning and status. Each is one transaction."""

import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record

from .models import Domain, School, SchoolFigures, validate_slug
from .schema import create_school_schema

# Letters of any script, digits, spaces and the punctuation real school names use.
NAME_RE = re.compile(r"^[\w\s.,№«»\"'()/–—-]+$")


def _validate_name(value, label, max_length):
    value = " ".join((value or "").split())
    if len(value) < 3:
        raise ValidationError({label: _("Укажите наименование (не короче 3 символов).")})
    if len(value) > max_length:
        raise ValidationError({label: _("Наименование длиннее %(max_length)s символов.") % {"max_length": max_length}})
    if not NAME_RE.match(value) or not re.search(r"[^\W\d_]", value):
        raise ValidationError({label: _('В наименовании допустимы буквы, цифры, пробелы и знаки . , « » " ( ) № -')})
    return value


@transaction.atomic
def create_school(*, name, short_name, slug, by=None, ip=None):
    """Creates the school row, its address and its schema with every table, or nothing at all."""
    name = _validate_name(name, "name", 300)
    short_name = _validate_name(short_name, "short_name", 100)
    slug = (slug or "").strip()
    try:
        validate_slug(slug)
    except ValidationError as error:
        raise ValidationError({"slug": error.messages}) from None
    if School.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Школа с адресом «%(slug)s» уже есть.") % {"slug": slug}})
    if School.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("Школа с таким наименованием уже есть.")})

    connection.set_schema_to_public()
    school = School(name=name, short_name=short_name, slug=slug, schema_name=School.schema_for_slug(slug))
    # The schema before the rows: made by the owner's connection (when there is one), it must not
    # wait on locks this transaction's rows would hold. A failure takes the rows back with it.
    create_school_schema(school.schema_name)
    connection.set_schema_to_public()
    school.save()
    Domain.objects.create(domain=school.host, tenant=school, is_primary=True)
    SchoolFigures.objects.create(school=school)
    record("school.created", school, by=by, ip=ip, new={"name": name, "short_name": short_name, "slug": slug})
    return school


ALLOWED_CHANGES = {
    School.Status.ACTIVE: {School.Status.SUSPENDED, School.Status.ARCHIVED},
    School.Status.SUSPENDED: {School.Status.ACTIVE, School.Status.ARCHIVED},
    School.Status.ARCHIVED: set(),  # an archived school's records are kept as they are
}


@transaction.atomic
def change_status(school, status, *, reason, by=None, ip=None):
    school = School.objects.select_for_update().get(pk=school.pk)
    if status not in ALLOWED_CHANGES[school.status]:
        raise ValidationError(
            _("Нельзя перевести школу из состояния «%(get_status_display)s» в «%(label)s».")
            % {"get_status_display": school.get_status_display(), "label": School.Status(status).label}
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Укажите причину: она сохраняется в журнале изменений.")})
    old = school.status
    school.status, school.status_reason, school.status_changed_at = status, reason[:500], timezone.now()
    school.save(update_fields=["status", "status_reason", "status_changed_at"])
    record("school.status", school, by=by, ip=ip, old={"status": old}, new={"status": status}, reason=reason)
    return school


@transaction.atomic
def set_sms_limit(school, limit, *, by, ip):
    """How many SMS notices the school may send a month (the district pays the gateway)."""
    school = School.objects.select_for_update().get(pk=school.pk)
    old, school.sms_monthly_limit = school.sms_monthly_limit, limit
    school.save(update_fields=["sms_monthly_limit"])
    record("school.sms_limit", school, by=by, ip=ip, old={"sms_monthly_limit": old}, new={"sms_monthly_limit": limit})
    return school
