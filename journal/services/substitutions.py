"""A teacher's absence from one day to another, and covering its lessons: the deputy records the
absence once, sees its uncovered lessons with the teachers free in each period
(selectors.cover_plan), and assigns them in one go (each through records.assign_substitution,
which refuses a teacher busy in that period or away that day)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from audit.models import record
from groundwork.text import one_line

from ..models import Lesson, TeacherAbsence
from .records import _is_teacher_here, assign_substitution

LONGEST_ABSENCE = timedelta(days=92)  # a term: a longer one is a typo or a new teacher's job


def _check_deputy(school, by):
    if not Membership.objects.at(school).filter(user=by, role=Role.DEPUTY).exists():
        raise PermissionDenied(_("Отсутствие учителя записывает заместитель директора."))


@transaction.atomic
def record_teacher_absence(*, school, teacher, starts_on, ends_on, reason, note="", by, ip=None):
    _check_deputy(school, by)
    if teacher is None or not _is_teacher_here(teacher, school):
        raise ValidationError({"teacher": _("Выберите учителя этой школы.")})
    if reason not in Lesson.SubstitutionReason.values or reason == Lesson.SubstitutionReason.ON_THE_DAY:
        raise ValidationError({"reason": _("Выберите причину отсутствия.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("Дата окончания раньше даты начала.")})
    if ends_on - starts_on > LONGEST_ABSENCE:
        raise ValidationError({"ends_on": _("Отсутствие длиннее четверти: проверьте даты.")})
    absence = TeacherAbsence.objects.create(
        teacher=teacher,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        note=one_line(note, 200),
        recorded_by=by,
    )
    record(
        "teacher.absent",
        absence,
        by=by,
        ip=ip,
        new={"teacher": teacher.pk, "from": starts_on, "to": ends_on, "reason": reason, "note": absence.note},
    )
    return absence


@transaction.atomic
def withdraw_teacher_absence(absence, *, school, by, ip=None):
    """Recorded by mistake: withdrawn (the substitutions already assigned stay)."""
    _check_deputy(school, by)
    if absence.withdrawn_at:
        raise ValidationError(_("Отсутствие уже снято."))
    absence.withdrawn_at = timezone.now()
    absence.save(update_fields=["withdrawn_at"])
    record("teacher.absence_withdrawn", absence, by=by, ip=ip)


def cover(absence, choices, *, school, by, ip=None):
    """Assigns each lesson of the absence its chosen substitute ({lesson id: teacher}); each in a
    transaction of its own, so that one refusal (a teacher busy by now) leaves the others done.
    Returns (assigned lessons, [(lesson, message)] refused)."""
    _check_deputy(school, by)
    lessons = Lesson.objects.filter(
        pk__in=choices, teacher=absence.teacher_id, date__range=(absence.starts_on, absence.ends_on)
    ).select_related("school_class", "subject")
    done, refused = [], []
    for lesson in lessons:
        try:
            assign_substitution(
                lesson,
                school=school,
                teacher=choices[lesson.pk],
                reason=absence.reason,
                note=absence.note,
                by=by,
                ip=ip,
            )
        except ValidationError as error:
            refused.append((lesson, " ".join(error.messages)))
        else:
            done.append(lesson)
    return done, refused
