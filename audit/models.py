"""Append-only record of every write (who, when, from where, old value, new value), and the
access log of every page or API answer that showed pupils' data.

The audit table exists in public (district actions) and in every school schema (that school's
journal); an entry is written to whichever schema the change itself went to. The access log is
a school table only (pupils live in schools)."""

import re
from contextlib import nullcontext

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import get_public_schema_name, schema_context

from groundwork.addresses import client_ip

# People's ids carry no database constraint into public (db_constraint=False): docs/scaling.md, rule 1.

SCHOOL_APPS = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
ACTION_LABELS = {
    "school.created": gettext_lazy("Школа создана"),
    "school.status": gettext_lazy("Состояние изменено"),
    "school.restored": gettext_lazy("Школа восстановлена из резервной копии"),
    "school.sms_limit": gettext_lazy("Лимит SMS изменён"),
    "user.created": gettext_lazy("Учётная запись создана"),
    "user.password_changed": gettext_lazy("Пароль изменён"),
    "user.password_reset": gettext_lazy("Пароль восстановлен"),
    "user.email_changed": gettext_lazy("E-mail изменён"),
    "user.phone_changed": gettext_lazy("Телефон изменён"),
    "user.two_factor_reset": gettext_lazy("Второй фактор сброшен администратором"),
    "user.outside_linked": gettext_lazy("Подключён вход через поставщика"),
    "user.outside_unlinked": gettext_lazy("Отключён вход через поставщика"),
    "membership.created": gettext_lazy("Роль назначена"),
    "membership.ended": gettext_lazy("Роль завершена"),
    "membership.consent": gettext_lazy("Согласие сотрудника на обработку ПДн"),
    "user.corrected": gettext_lazy("ФИО исправлены"),
    "invitation.issued": gettext_lazy("Приглашение выдано"),
    "invitation.revoked": gettext_lazy("Приглашение отозвано"),
    "invitation.used": gettext_lazy("Приглашение принято"),
    "pupil.account_linked": gettext_lazy("Учётная запись обучающегося подключена"),
    "guardian.consent": gettext_lazy("Согласие на обработку ПДн получено"),
    "class.created": gettext_lazy("Класс создан"),
    "pupil.enrolled": gettext_lazy("Обучающийся зачислен"),
    "pupil.transferred": gettext_lazy("Обучающийся переведён"),
    "pupil.withdrawn": gettext_lazy("Обучающийся выбыл"),
    "mark.created": gettext_lazy("Отметка поставлена"),
    "mark.changed": gettext_lazy("Отметка изменена"),
    "mark.deleted": gettext_lazy("Отметка удалена"),
    "mark.restored": gettext_lazy("Отметка восстановлена"),
    "attendance.created": gettext_lazy("Пропуск отмечен"),
    "attendance.changed": gettext_lazy("Пропуск изменён"),
    "attendance.deleted": gettext_lazy("Пропуск снят"),
    "attendance.reason": gettext_lazy("Причина пропуска"),
    "lesson.topic": gettext_lazy("Тема урока"),
    "lesson.homework": gettext_lazy("Домашнее задание"),
    "lesson.attendance": gettext_lazy("Посещаемость"),
    "lesson.substitution": gettext_lazy("Замена"),
    "teacher.absent": gettext_lazy("Отсутствие учителя"),
    "journal.checked": gettext_lazy("Журнал проверен"),
    "check_remark.fixed": gettext_lazy("Замечание исправлено учителем"),
    "check_remark.confirmed": gettext_lazy("Исправление подтверждено"),
    "check_remark.returned": gettext_lazy("Замечание возвращено"),
    "teacher.absence_withdrawn": gettext_lazy("Отсутствие учителя снято"),
    "lesson.cancelled": gettext_lazy("Урок отменён"),
    "lesson.added": gettext_lazy("Урок добавлен"),
    "final_mark.set": gettext_lazy("Итоговая отметка"),
    "term.reopened": gettext_lazy("Период открыт для исправлений"),
    "homework.file_added": gettext_lazy("Файл задания"),
}


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.BigIntegerField(null=True)
    old = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    new = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are never deleted.")

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    # Ids and internal keys are for the record; a person reads words ("5, Контрольная работа").
    HIDDEN = {"lesson", "pupil", "planned_topic", "attended"}
    WORDS = {
        "value": "",
        "work_type": "",
        "comment": gettext_lazy("комментарий"),
        "status": "",
        "reason": gettext_lazy("причина"),
        "topic": gettext_lazy("тема"),
        "homework": gettext_lazy("задание"),
        "none": gettext_lazy("не задано"),
        "name": gettext_lazy("наименование"),
        "short_name": gettext_lazy("краткое наименование"),
        "slug": gettext_lazy("адрес"),
        "sms_monthly_limit": gettext_lazy("SMS в месяц"),
    }
    STATUS_WORDS = {
        "absent": gettext_lazy("отсутствовал(а)"),
        "late": gettext_lazy("опоздал(а)"),
        "illness": gettext_lazy("по болезни"),
        "excused": gettext_lazy("уважительная"),
        "unexcused": gettext_lazy("неуважительная"),
        "": gettext_lazy("не указана"),
    }

    @classmethod
    def _text(cls, values):
        parts = []
        for key, value in (values or {}).items():
            if key in cls.HIDDEN or value in (None, "", [], {}) and key != "reason":
                continue
            if key in ("status", "reason"):
                value = cls.STATUS_WORDS.get(value, value)
            if value is True:
                value = _("да")
            label = cls.WORDS.get(key, key)
            parts.append(f"{label}: {value}" if label else f"{value}")
        return ", ".join(parts)

    @property
    def old_text(self):
        return self._text(self.old)

    @property
    def new_text(self):
        return self._text(self.new)


def _entry(action, target, by, ip, old, new, reason=""):
    return AuditEntry(
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        actor=by if by is not None and by.is_authenticated else None,
        ip=ip,
        old=old,
        new=new,
        reason=reason,
    )


def _in_public(target):
    return target._meta.app_label not in SCHOOL_APPS and connection.schema_name != get_public_schema_name()


def record(action, target, *, by=None, ip=None, old=None, new=None, reason=""):
    """Writes the entry beside its target: a public row's history stays in public even when
    the change was made from a school's address, a school row's in that school's schema."""
    with schema_context(get_public_schema_name()) if _in_public(target) else nullcontext():
        entry = _entry(action, target, by, ip, old, new, reason)
        entry.save()
        return entry


def record_each(action, changes, *, by=None, ip=None):
    """record for several rows of one school at once, `changes` as (target, old, new): one INSERT."""
    if any(_in_public(target) for target, _, _ in changes):
        raise ValueError("A public row's entry is written in public: use record().")
    return AuditEntry.objects.bulk_create(_entry(action, target, by, ip, old, new) for target, old, new in changes)


class DataView(models.Model):
    """One page or API answer that showed pupils' data: who, when, from where, whose (152-ФЗ)."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    page = models.CharField(max_length=200)
    pupil_ids = ArrayField(models.BigIntegerField())

    class Meta:
        db_table = "diary_dataview"  # the table the diary made; moved without SQL
        ordering = ["-at"]
        indexes = [GinIndex(fields=["pupil_ids"])]

    @property
    def page_label(self):
        """What was looked at, in words (a parent reads this list, not our URLs)."""
        for pattern, label in PAGE_LABELS:
            if re.fullmatch(pattern, self.page):
                return label
        return _("Другая страница")


PAGE_LABELS = [
    (r"diary\.week", gettext_lazy("Дневник за неделю")),
    (r"diary\.marks", gettext_lazy("Отметки")),
    (r"diary\.attendance", gettext_lazy("Посещаемость")),
    (r"diary\.views", gettext_lazy("Кто смотрел данные")),
    (r"diary\.file", gettext_lazy("Файл домашнего задания")),
    (r"diary\.weekly_report", gettext_lazy("Еженедельный отчёт для родителей")),
    (r"messages\.thread", gettext_lazy("Переписка")),
    (r"/lessons/\d+/", gettext_lazy("Страница урока (учитель)")),
    (r"/journal/\d+/\d+/(final/)?", gettext_lazy("Журнал класса (учитель)")),
    (r"/classes/\d+/.*", gettext_lazy("Класс (сотрудник школы)")),
    (r"/api/.*", gettext_lazy("Приложение")),
]


def log_view(request, pupils, page=None):
    """Records that this request showed these pupils' data. Called with the school's schema active."""
    ids = sorted({p if isinstance(p, int) else p.pk for p in pupils})
    if ids and request.user.is_authenticated:
        DataView.objects.create(
            viewer=request.user, ip=client_ip(request), page=(page or request.path)[:200], pupil_ids=ids
        )
