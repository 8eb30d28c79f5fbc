"""Промежуточная аттестация and exams: the exam of a class in a subject, each pupil's result and
the retakes after a failed one (001 Положение 3.2; Регламент 4.3: results reach the family no
later than a day after the exam — they are told as the result is entered)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from notifications.services import notify

from .. import rulebook
from ..models import Exam, ExamResult, ExamValue, Holiday, SchoolClass
from ..selectors import family_of
from .calendar import is_school_day


def _may_schedule(by, school, school_class, subject):
    return (
        rulebook.teaches(by, school_class, subject)
        or Membership.objects.at(school).filter(user=by, role=Role.DEPUTY).exists()
    )


@transaction.atomic
def schedule_exam(*, school, school_class, subject, kind, form, held_on, by, ip=None):
    """An exam of the class in the subject: by the deputy or the subject's teacher in the class."""
    if not _may_schedule(by, school, school_class, subject):
        raise PermissionDenied(_("Аттестацию назначает заместитель директора или учитель предмета в классе."))
    school_class = SchoolClass.objects.select_related("year").get(pk=school_class.pk)
    year = school_class.year
    if kind not in Exam.Kind.values:
        raise ValidationError({"kind": _("Выберите вид: промежуточная аттестация или экзамен.")})
    if form not in Exam.Form.values:
        raise ValidationError({"form": _("Выберите форму проведения.")})
    if held_on is None:
        raise ValidationError({"held_on": _("Укажите дату проведения.")})
    if year is None or year.closed_at or not year.starts_on <= held_on <= year.ends_on:
        raise ValidationError({"held_on": _("Дата должна быть в открытом учебном году класса.")})
    if not is_school_day(held_on, Holiday.objects.filter(year=year)):
        raise ValidationError(
            {
                "held_on": _("%(held_on)s — выходной или каникулы: выберите учебный день.")
                % {"held_on": format(held_on, "%d.%m.%Y")}
            }
        )
    if not subject.is_marked_in(school_class.grade):
        raise ValidationError(
            {
                "subject": _("«%(name)s» в %(grade)s классе изучается без отметок.")
                % {"name": subject.name, "grade": school_class.grade}
            }
        )
    exam = Exam.objects.create(
        school_class=school_class, subject=subject, year=year, kind=kind, form=form, held_on=held_on, created_by=by
    )
    record(
        "exam.scheduled",
        exam,
        by=by,
        ip=ip,
        new={"class": str(school_class), "subject": subject.name, "kind": kind, "form": form, "held_on": held_on},
    )
    return exam


@transaction.atomic
def cancel_exam(exam, *, reason, by, school, ip=None):
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if not _may_schedule(by, school, exam.school_class, exam.subject):
        raise PermissionDenied(_("Аттестацию отменяет заместитель директора или учитель предмета в классе."))
    reason = one_line(reason)
    if exam.cancelled_at:
        raise ValidationError(_("Аттестация уже отменена."))
    if exam.results.exists():
        raise ValidationError(_("По аттестации уже есть результаты: её нельзя отменить."))
    if not reason:
        raise ValidationError({"reason": _("Укажите причину отмены.")})
    exam.cancelled_at, exam.cancel_reason = timezone.now(), reason[:300]
    exam.save(update_fields=["cancelled_at", "cancel_reason"])
    record("exam.cancelled", exam, by=by, ip=ip, reason=reason)
    return exam


@transaction.atomic
def set_exam_results(exam, results, *, attempt=1, held_on=None, by, ip=None):
    """Results of one attempt, `results` as (pupil, value); an empty value is skipped. A retake
    (attempt 2, 3) is for a pupil whose previous attempt failed, on a day after it. A changed
    result keeps the old one in the audit. One refusal refuses them all. Returns how many changed."""
    exam = Exam.objects.select_for_update().select_related("school_class", "subject", "year").get(pk=exam.pk)
    if not rulebook.teaches(by, exam.school_class, exam.subject):
        raise PermissionDenied(_("Результаты аттестации вносит учитель предмета в классе."))
    if exam.cancelled_at:
        raise ValidationError(_("Аттестация отменена."))
    if exam.year.closed_at:
        raise ValidationError(_("Учебный год %(year)s закрыт.") % {"year": exam.year})
    if not 1 <= attempt <= ExamResult.MAX_ATTEMPTS:
        raise ValidationError(
            {
                "attempt": _("Попыток не больше %(MAX_ATTEMPTS)s: основная и две пересдачи.")
                % {"MAX_ATTEMPTS": ExamResult.MAX_ATTEMPTS}
            }
        )
    held_on = exam.held_on if attempt == 1 else held_on
    if held_on is None:
        raise ValidationError({"held_on": _("Укажите дату пересдачи.")})
    if held_on > timezone.localdate():
        raise ValidationError(
            {
                "held_on": _("Аттестация %(held_on)s ещё не прошла: результаты вносятся после неё.")
                % {"held_on": format(held_on, "%d.%m.%Y")}
            }
        )
    sitting = {p.pk for p in exam.sitting()}
    earlier = {
        (r.pupil_id, r.attempt): r for r in ExamResult.objects.filter(exam=exam, attempt__in=(attempt - 1, attempt))
    }
    changed = 0
    for pupil, value in results:
        value = (value or "").strip()
        if not value:
            continue
        if value not in ExamValue.values:
            raise ValidationError(
                {
                    "value": _("%(short_name)s: 5, 4, 3, 2, 1, «зч», «нз» или «н/я» (не явился).")
                    % {"short_name": pupil.short_name}
                }
            )
        if pupil.pk not in sitting:
            raise ValidationError(
                {
                    "value": _("%(full_name)s не в классе %(school_class)s на день аттестации.")
                    % {"full_name": pupil.full_name, "school_class": exam.school_class}
                }
            )
        if attempt > 1:
            before = earlier.get((pupil.pk, attempt - 1))
            if before is None or not before.failed:
                raise ValidationError(
                    {
                        "value": _("%(short_name)s: пересдача — только после неудачной попытки.")
                        % {"short_name": pupil.short_name}
                    }
                )
            if held_on <= before.held_on:
                raise ValidationError({"held_on": _("Пересдача проводится позже предыдущей попытки.")})
        found = earlier.get((pupil.pk, attempt))
        if found is not None and found.value == value:
            continue
        if found is None:
            result = ExamResult.objects.create(
                exam=exam, pupil=pupil, attempt=attempt, held_on=held_on, value=value, entered_by=by
            )
            old = None
        else:
            result, old = found, {"value": found.value}
            result.value, result.changed_at = value, timezone.now()
            result.save(update_fields=["value", "changed_at"])
        record(
            "exam_result.set",
            result,
            by=by,
            ip=ip,
            old=old,
            new={"exam": exam.pk, "pupil": pupil.pk, "attempt": attempt, "value": value},
        )
        with in_russian():
            what = _("пересдача") if attempt > 1 else exam.get_kind_display()
            notify(
                family_of(pupil),
                "final",
                _("%(first_name)s: %(what)s по предмету «%(name)s» %(held_on)s — %(get_value_display)s")
                % {
                    "first_name": pupil.first_name,
                    "what": what,
                    "name": exam.subject.name,
                    "held_on": format(held_on, "%d.%m.%Y"),
                    "get_value_display": result.get_value_display(),
                },
                pupil=pupil,
            )
        changed += 1
    return changed
