"""A pupil's portfolio: the pupil or a parent adds an achievement, certificate or work; the class
teacher confirms it or declines it, saying why (001 Положение 3.1, 3.2). Entries are withdrawn,
never deleted."""

import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from groundwork.uploads import check_upload, store
from notifications.services import notify

from ..models import Guardian, PortfolioEntry
from ..selectors import family_of

PORTFOLIO_FILE_MAX_MB = 10


def _is_family(pupil, by):
    return pupil.user_id == by.pk or Guardian.objects.live().filter(pupil=pupil, user=by).exists()


@transaction.atomic
def add_portfolio_entry(pupil, *, school, kind, title, happened_on, description="", upload=None, by, ip=None):
    if not _is_family(pupil, by):
        raise PermissionDenied(_("Портфолио пополняют обучающийся и его родители."))
    if kind not in PortfolioEntry.Kind.values:
        raise ValidationError({"kind": _("Выберите раздел портфолио.")})
    title = one_line(title, 300)
    if not title:
        raise ValidationError({"title": _("Напишите, что это за достижение или работа.")})
    today = timezone.localdate()
    if happened_on is None or happened_on > today or happened_on < today - timedelta(days=366 * 12):
        raise ValidationError({"happened_on": _("Укажите дату: не позже сегодняшнего дня.")})
    entry = PortfolioEntry(
        pupil=pupil,
        kind=kind,
        title=title,
        happened_on=happened_on,
        description=one_line(description, 2000),
        added_by=by,
    )
    if upload is not None:
        extension = check_upload(upload, field="file", max_mb=PORTFOLIO_FILE_MAX_MB)
        entry.file = store(f"{school.schema_name}/portfolio/{pupil.pk}/{uuid.uuid4().hex}.{extension}", upload)
        entry.file_name = upload.name[:200]
    entry.save()
    record(
        "portfolio.added",
        entry,
        by=by,
        ip=ip,
        new={"pupil": pupil.pk, "kind": kind, "title": title, "happened_on": happened_on, "file": entry.file_name},
    )
    teacher = pupil.school_class.class_teacher_id
    if teacher:
        with in_russian():
            notify(
                [teacher],
                "message",
                _("%(short_name)s: в портфолио добавлено «%(value)s» — подтвердите.")
                % {"short_name": pupil.short_name, "value": title[:80]},
            )
    return entry


@transaction.atomic
def withdraw_portfolio_entry(entry, *, by, ip=None):
    entry = PortfolioEntry.objects.select_for_update().select_related("pupil").get(pk=entry.pk)
    if not _is_family(entry.pupil, by):
        raise PermissionDenied(_("Запись портфолио убирают обучающийся и его родители."))
    if entry.withdrawn_at:
        raise ValidationError(_("Запись уже убрана."))
    entry.withdrawn_at = timezone.now()
    entry.save(update_fields=["withdrawn_at"])
    record("portfolio.withdrawn", entry, by=by, ip=ip, old={"state": "shown"}, new={"state": "withdrawn"})
    return entry


@transaction.atomic
def settle_portfolio_entry(entry, *, confirmed, reason="", by, ip=None):
    """The class teacher confirms the entry, or declines it with the reason (the family may add it
    again corrected)."""
    entry = PortfolioEntry.objects.select_for_update().select_related("pupil__school_class").get(pk=entry.pk)
    if entry.pupil.school_class.class_teacher_id != by.pk:
        raise PermissionDenied(_("Запись портфолио подтверждает классный руководитель."))
    if entry.withdrawn_at or entry.confirmed_at:
        raise ValidationError(_("Запись уже подтверждена или убрана."))
    old = {"state": entry.state}
    if confirmed:
        reason = ""
        entry.confirmed_by, entry.confirmed_at, entry.declined_reason = by, timezone.now(), ""
        entry.save(update_fields=["confirmed_by", "confirmed_at", "declined_reason"])
    else:
        reason = one_line(reason, 500)
        if not reason:
            raise ValidationError({"reason": _("Напишите, почему запись не подтверждена.")})
        entry.declined_reason = reason
        entry.save(update_fields=["declined_reason"])
    record("portfolio.settled", entry, by=by, ip=ip, old=old, new={"state": entry.state, "reason": reason})
    with in_russian():
        text = (
            _("подтверждена запись портфолио «%(value)s»") % {"value": entry.title[:80]}
            if confirmed
            else _("запись портфолио «%(value)s» не подтверждена: %(reason)s")
            % {"value": entry.title[:80], "reason": reason}
        )
        notify(family_of(entry.pupil), "message", f"{entry.pupil.first_name}: {text}", pupil=entry.pupil)
    return entry
