"""The school year: years, terms and their locks, holidays, grade schemes, the school's rules."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record

from ..models import (
    AcademicYear,
    GradeScheme,
    Holiday,
    Lesson,
    Reopening,
    Rules,
    SchoolClass,
    Term,
    TermScheme,
)


@transaction.atomic
def create_year(*, name, starts_on, ends_on, by=None, ip=None):
    if starts_on >= ends_on:
        raise ValidationError({"ends_on": _("Учебный год заканчивается позже, чем начинается.")})
    if AcademicYear.objects.filter(Q(name=name) | Q(starts_on__lte=ends_on, ends_on__gte=starts_on)).exists():
        raise ValidationError({"name": _("Этот учебный год пересекается с уже созданным.")})
    year = AcademicYear.objects.create(name=name, starts_on=starts_on, ends_on=ends_on)
    # Classes made before the school had any year (set up first, as imports do) belong to this one.
    SchoolClass.objects.filter(year__isnull=True).update(year=year)
    record("year.created", year, by=by, ip=ip, new={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return year


@transaction.atomic
def set_grade_scheme(*, year, grade, scheme, by=None, ip=None):
    if scheme not in TermScheme.values:
        raise ValidationError({"scheme": _("Выберите: четверти, триместры или полугодия.")})
    if Lesson.objects.filter(term__year=year, school_class__grade=grade).exists():
        raise ValidationError({"scheme": _("Для параллели уже есть уроки: схему периодов менять нельзя.")})
    item, created = GradeScheme.objects.get_or_create(year=year, grade=grade, defaults={"scheme": scheme})
    old = None if created else item.scheme
    item.scheme = scheme
    item.save()
    record("grade_scheme.set", item, by=by, ip=ip, old={"scheme": old}, new={"scheme": scheme, "grade": grade})
    return item


@transaction.atomic
def add_term(*, year, scheme, number, starts_on, ends_on, by=None, ip=None):
    if not (year.starts_on <= starts_on <= ends_on <= year.ends_on):
        raise ValidationError(
            {
                "starts_on": _("Период должен лежать внутри учебного года %(year)s и кончаться после начала.")
                % {"year": year}
            }
        )
    if Term.objects.filter(year=year, scheme=scheme).filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ValidationError({"starts_on": _("Периоды одной схемы не могут пересекаться.")})
    if Term.objects.filter(year=year, scheme=scheme, number=number).exists():
        raise ValidationError({"number": _("Период с таким номером уже есть.")})
    term = Term.objects.create(year=year, scheme=scheme, number=number, starts_on=starts_on, ends_on=ends_on)
    record(
        "term.created",
        term,
        by=by,
        ip=ip,
        new={"scheme": scheme, "number": number, "starts_on": starts_on, "ends_on": ends_on},
    )
    return term


@transaction.atomic
def add_holiday(*, year, name, starts_on, ends_on, by=None, ip=None):
    if not (year.starts_on <= starts_on <= ends_on <= year.ends_on):
        raise ValidationError({"starts_on": _("Каникулы должны лежать внутри учебного года.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Укажите название (например, «Осенние каникулы»).")})
    holiday = Holiday.objects.create(year=year, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    record(
        "holiday.created", holiday, by=by, ip=ip, new={"name": holiday.name, "starts_on": starts_on, "ends_on": ends_on}
    )
    # Lessons already generated on these days and still empty are taken off.
    removed = remove_empty_lessons(Lesson.objects.filter(date__range=(starts_on, ends_on)))
    if removed:
        record("lessons.removed_for_holiday", holiday, by=by, ip=ip, new={"lessons": removed})
    return holiday


def is_school_day(day, holidays):
    return day.isoweekday() != 7 and not any(h.starts_on <= day <= h.ends_on for h in holidays)


@transaction.atomic
def set_rules(*, rounding_threshold, final_marks_days, by=None, ip=None):
    rules = Rules.get()
    old = {"rounding_threshold": rules.rounding_threshold, "final_marks_days": rules.final_marks_days}
    rules.rounding_threshold, rules.final_marks_days = rounding_threshold, final_marks_days
    rules.save()
    record(
        "rules.set",
        rules,
        by=by,
        ip=ip,
        old=old,
        new={"rounding_threshold": rounding_threshold, "final_marks_days": final_marks_days},
    )
    return rules


def is_locked(term, school_class, subject, today=None):
    """After the term's final marks are due, its records are locked, unless the deputy has
    reopened this class and subject; once the year has turned over, for good."""
    today = today or timezone.localdate()
    if today < term.locks_on(Rules.get()):
        return False
    if AcademicYear.objects.filter(pk=term.year_id, closed_at__isnull=False).exists():
        return True
    return not Reopening.objects.filter(
        term=term, school_class=school_class, subject=subject, until__gte=today
    ).exists()


def remove_empty_lessons(lessons):
    """Future lessons on which nothing was ever recorded are placeholders and may go; a lesson
    with a topic, homework, attendance or a mark (even a deleted one) is a record and stays, and
    so does every lesson from today back: an empty past lesson is evidence of a journal not kept."""
    empty = lessons.filter(date__gt=timezone.localdate()).filter(
        topic="",
        homework="",
        homework_none=False,
        attendance_taken_at__isnull=True,
        cancelled_at__isnull=True,
        marks__isnull=True,
        attendance__isnull=True,
        files__isnull=True,
        taught_by__isnull=True,
    )
    ids = list(empty.values_list("pk", flat=True))
    Lesson.objects.filter(pk__in=ids).delete()
    return len(ids)
