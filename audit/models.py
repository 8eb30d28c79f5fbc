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
from django_tenants.utils import get_public_schema_name, schema_context

from groundwork.addresses import client_ip

# People's ids carry no database constraint into public (db_constraint=False): docs/scaling.md, rule 1.

SCHOOL_APPS = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
ACTION_LABELS = {
    "school.created": "Школа создана",
    "school.status": "Состояние изменено",
    "school.restored": "Школа восстановлена из резервной копии",
    "school.sms_limit": "Лимит SMS изменён",
    "user.created": "Учётная запись создана",
    "user.password_changed": "Пароль изменён",
    "user.password_reset": "Пароль восстановлен",
    "user.email_changed": "E-mail изменён",
    "user.phone_changed": "Телефон изменён",
    "user.two_factor_reset": "Второй фактор сброшен администратором",
    "user.outside_linked": "Подключён вход через поставщика",
    "user.outside_unlinked": "Отключён вход через поставщика",
    "membership.created": "Роль назначена",
    "membership.ended": "Роль завершена",
    "membership.consent": "Согласие сотрудника на обработку ПДн",
    "user.corrected": "ФИО исправлены",
    "invitation.issued": "Приглашение выдано",
    "invitation.revoked": "Приглашение отозвано",
    "invitation.used": "Приглашение принято",
    "pupil.account_linked": "Учётная запись обучающегося подключена",
    "guardian.consent": "Согласие на обработку ПДн получено",
    "class.created": "Класс создан",
    "pupil.enrolled": "Обучающийся зачислен",
    "pupil.transferred": "Обучающийся переведён",
    "pupil.withdrawn": "Обучающийся выбыл",
    "mark.created": "Отметка поставлена",
    "mark.changed": "Отметка изменена",
    "mark.deleted": "Отметка удалена",
    "mark.restored": "Отметка восстановлена",
    "attendance.created": "Пропуск отмечен",
    "attendance.changed": "Пропуск изменён",
    "attendance.deleted": "Пропуск снят",
    "attendance.reason": "Причина пропуска",
    "lesson.topic": "Тема урока",
    "lesson.homework": "Домашнее задание",
    "lesson.attendance": "Посещаемость",
    "lesson.substitution": "Замена",
    "teacher.absent": "Отсутствие учителя",
    "journal.checked": "Журнал проверен",
    "check_remark.fixed": "Замечание исправлено учителем",
    "check_remark.confirmed": "Исправление подтверждено",
    "check_remark.returned": "Замечание возвращено",
    "teacher.absence_withdrawn": "Отсутствие учителя снято",
    "lesson.cancelled": "Урок отменён",
    "lesson.added": "Урок добавлен",
    "final_mark.set": "Итоговая отметка",
    "term.reopened": "Период открыт для исправлений",
    "homework.file_added": "Файл задания",
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
        "comment": "комментарий",
        "status": "",
        "reason": "причина",
        "topic": "тема",
        "homework": "задание",
        "none": "не задано",
        "name": "наименование",
        "short_name": "краткое наименование",
        "slug": "адрес",
        "sms_monthly_limit": "SMS в месяц",
    }
    STATUS_WORDS = {
        "absent": "отсутствовал(а)",
        "late": "опоздал(а)",
        "illness": "по болезни",
        "excused": "уважительная",
        "unexcused": "неуважительная",
        "": "не указана",
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
                value = "да"
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
        return "Другая страница"


PAGE_LABELS = [
    (r"diary\.week", "Дневник за неделю"),
    (r"diary\.marks", "Отметки"),
    (r"diary\.attendance", "Посещаемость"),
    (r"diary\.views", "Кто смотрел данные"),
    (r"diary\.file", "Файл домашнего задания"),
    (r"diary\.weekly_report", "Еженедельный отчёт для родителей"),
    (r"messages\.thread", "Переписка"),
    (r"/lessons/\d+/", "Страница урока (учитель)"),
    (r"/journal/\d+/\d+/(final/)?", "Журнал класса (учитель)"),
    (r"/classes/\d+/.*", "Класс (сотрудник школы)"),
    (r"/api/.*", "Приложение"),
]


def log_view(request, pupils, page=None):
    """Records that this request showed these pupils' data. Called with the school's schema active."""
    ids = sorted({p if isinstance(p, int) else p.pk for p in pupils})
    if ids and request.user.is_authenticated:
        DataView.objects.create(
            viewer=request.user, ip=client_ip(request), page=(page or request.path)[:200], pupil_ids=ids
        )
