"""What is taught by whom and when: subjects, curriculum, load, bells, the timetable, the lessons
it makes, added and cancelled lessons."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record
from groundwork.text import one_line

from ..models import (
    Bell,
    CurriculumItem,
    GradeScheme,
    Holiday,
    Lesson,
    Subject,
    TeachingLoad,
    Term,
    TimetableSlot,
    WorkType,
)
from ..selectors import teachers_of
from .calendar import is_locked, is_school_day, remove_empty_lessons
from .plans import respread_plans


@transaction.atomic
def create_subject(*, name, short_name="", is_marked=True, by=None, ip=None):
    name = one_line(name)
    if not name:
        raise ValidationError({"name": _("Укажите название предмета.")})
    if Subject.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("Такой предмет уже есть.")})
    subject = Subject.objects.create(name=name, short_name=short_name.strip(), is_marked=is_marked)
    record("subject.created", subject, by=by, ip=ip, new={"name": name, "is_marked": is_marked})
    return subject


@transaction.atomic
def create_work_type(*, name, weight=Decimal("1.0"), by=None, ip=None):
    name = one_line(name)
    if not name:
        raise ValidationError({"name": _("Укажите вид работы.")})
    if not 0 < float(weight) <= 10:
        raise ValidationError({"weight": _("Вес — число больше 0 и не больше 10.")})
    if WorkType.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("Такой вид работы уже есть.")})
    work_type = WorkType.objects.create(name=name, weight=weight)
    record("work_type.created", work_type, by=by, ip=ip, new={"name": name, "weight": weight})
    return work_type


@transaction.atomic
def set_curriculum(*, grade, subject, hours_per_week, is_marked=True, by=None, ip=None):
    if not 0 < float(hours_per_week) <= 12:
        raise ValidationError({"hours_per_week": _("Часов в неделю — от 0,5 до 12.")})
    item, created = CurriculumItem.objects.get_or_create(
        grade=grade, subject=subject, defaults={"hours_per_week": hours_per_week, "is_marked": is_marked}
    )
    old = None if created else {"hours": item.hours_per_week, "is_marked": item.is_marked}
    item.hours_per_week, item.is_marked = hours_per_week, is_marked
    item.save()
    record(
        "curriculum.set",
        item,
        by=by,
        ip=ip,
        old=old,
        new={"grade": grade, "subject": subject.name, "hours": hours_per_week, "is_marked": is_marked},
    )
    return item


def _require_teacher(teacher, school):
    if not teachers_of(school).filter(pk=teacher.pk).exists():
        raise ValidationError(
            {"teacher": _("%(full_name)s не работает учителем в этой школе.") % {"full_name": teacher.full_name}}
        )


@transaction.atomic
def assign_load(*, school, teacher, subject, school_class, subgroup=None, hours_per_week, by=None, ip=None):
    _require_teacher(teacher, school)
    if subgroup is not None and subgroup.school_class_id != school_class.pk:
        raise ValidationError({"subgroup": _("Подгруппа из другого класса.")})
    load, created = TeachingLoad.objects.get_or_create(
        subject=subject,
        school_class=school_class,
        subgroup=subgroup,
        defaults={"teacher": teacher, "hours_per_week": hours_per_week},
    )
    old = None if created else {"teacher": load.teacher_id, "hours": load.hours_per_week}
    load.teacher, load.hours_per_week = teacher, hours_per_week
    load.save()
    record(
        "load.set",
        load,
        by=by,
        ip=ip,
        old=old,
        new={"teacher": teacher.pk, "subject": subject.name, "class": str(school_class), "hours": hours_per_week},
    )
    return load


@transaction.atomic
def set_bell(*, number, starts_at, ends_at, by=None, ip=None):
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": _("Урок заканчивается позже, чем начинается.")})
    bell, created = Bell.objects.get_or_create(number=number, defaults={"starts_at": starts_at, "ends_at": ends_at})
    old = None if created else {"starts_at": bell.starts_at, "ends_at": bell.ends_at}
    bell.starts_at, bell.ends_at = starts_at, ends_at
    bell.save()
    record("bell.set", bell, by=by, ip=ip, old=old, new={"number": number, "starts_at": starts_at, "ends_at": ends_at})
    return bell


def _overlapping(slots, valid_from, valid_to):
    slots = slots.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to:
        slots = slots.filter(valid_from__lte=valid_to)
    return slots


def timetable_clashes(
    *, weekday, number, school_class, subgroup, teacher, room, valid_from, valid_to=None, exclude=None
):
    same_time = _overlapping(TimetableSlot.objects.filter(weekday=weekday, number=number), valid_from, valid_to)
    if exclude is not None:
        same_time = same_time.exclude(pk=exclude.pk)
    clashes = []
    for slot in same_time.select_related("school_class", "subgroup", "subject", "teacher"):
        where = _("%(get_weekday_display)s, %(number)s урок: %(school_class)s %(subject)s") % {
            "get_weekday_display": slot.get_weekday_display(),
            "number": slot.number,
            "school_class": slot.school_class,
            "subject": slot.subject,
        }
        if slot.teacher_id == teacher.pk:
            clashes.append(
                _("%(short_name)s уже ведёт урок (%(where)s).") % {"short_name": teacher.short_name, "where": where}
            )
        if slot.school_class_id == school_class.pk and (
            slot.subgroup_id is None or subgroup is None or slot.subgroup_id == subgroup.pk
        ):
            clashes.append(_("У класса уже есть урок в это время (%(where)s).") % {"where": where})
        if room and slot.room == room:
            clashes.append(_("Кабинет %(room)s занят (%(where)s).") % {"room": room, "where": where})
    return clashes


@transaction.atomic
def add_slot(
    *,
    school,
    weekday,
    number,
    school_class,
    subject,
    teacher,
    valid_from,
    subgroup=None,
    room="",
    by=None,
    ip=None,
    generate=True,
):
    """A weekly lesson of the timetable; its lessons are made at once unless `generate` is off
    (a whole timetable being entered then makes them once, with generate_lessons)."""
    if weekday not in range(1, 7):
        raise ValidationError({"weekday": _("День недели — с понедельника по субботу.")})
    if not Bell.objects.filter(number=number).exists():
        raise ValidationError({"number": _("В расписании звонков нет %(number)s-го урока.") % {"number": number}})
    if subgroup is not None and subgroup.school_class_id != school_class.pk:
        raise ValidationError({"subgroup": _("Подгруппа из другого класса.")})
    _require_teacher(teacher, school)
    clashes = timetable_clashes(
        weekday=weekday,
        number=number,
        school_class=school_class,
        subgroup=subgroup,
        teacher=teacher,
        room=room,
        valid_from=valid_from,
    )
    if clashes:
        raise ValidationError({"__all__": clashes})
    slot = TimetableSlot.objects.create(
        weekday=weekday,
        number=number,
        school_class=school_class,
        subgroup=subgroup,
        subject=subject,
        teacher=teacher,
        room=room.strip(),
        valid_from=valid_from,
    )
    record(
        "slot.created",
        slot,
        by=by,
        ip=ip,
        new={
            "weekday": weekday,
            "number": number,
            "class": str(school_class),
            "subject": subject.name,
            "teacher": teacher.pk,
            "from": valid_from,
        },
    )
    if generate:
        generate_lessons(since=valid_from, school_class=school_class)
    return slot


@transaction.atomic
def end_slot(slot, *, last_day, by=None, ip=None):
    """Ends a slot: its empty future lessons after `last_day` go; past lessons and lessons with records stay."""
    if last_day < slot.valid_from - timedelta(days=1):
        raise ValidationError({"last_day": _("Слот не может закончиться раньше, чем начался.")})
    old = slot.valid_to
    slot.valid_to = last_day
    slot.save(update_fields=["valid_to"])
    removed = remove_empty_lessons(slot.lessons.filter(date__gt=last_day))
    respread_plans(slot.school_class)
    record(
        "slot.ended", slot, by=by, ip=ip, old={"valid_to": old}, new={"valid_to": last_day, "lessons_removed": removed}
    )
    return slot


def generate_lessons(*, since=None, until=None, school_class=None):
    """Makes the lessons of every term from the timetable, skipping holidays and Sundays.
    Existing lessons are kept as they are. Returns the number of lessons made."""
    since = since or date.min
    terms = Term.objects.filter(ends_on__gte=since).select_related("year")
    if until:
        terms = terms.filter(starts_on__lte=until)
    slots = TimetableSlot.objects.select_related("school_class")
    if school_class is not None:
        slots = slots.filter(school_class=school_class)
    slots = list(slots)
    schemes = {(g.year_id, g.grade): g.scheme for g in GradeScheme.objects.all()}
    holidays = list(Holiday.objects.all())
    existing = Lesson.objects.filter(date__gte=since)
    if school_class is not None:
        existing = existing.filter(school_class=school_class)
    existing = set(existing.values_list("date", "number", "school_class_id", "subgroup_id"))
    new = []
    for term in terms:
        day = max(term.starts_on, since)
        last = min(term.ends_on, until) if until else term.ends_on
        while day <= last:
            if is_school_day(day, holidays):
                for slot in slots:
                    if (
                        slot.weekday != day.isoweekday()
                        or slot.valid_from > day
                        or (slot.valid_to and slot.valid_to < day)
                    ):
                        continue
                    if schemes.get((term.year_id, slot.school_class.grade)) != term.scheme:
                        continue
                    key = (day, slot.number, slot.school_class_id, slot.subgroup_id)
                    if key in existing:
                        continue
                    existing.add(key)
                    new.append(
                        Lesson(
                            date=day,
                            number=slot.number,
                            school_class_id=slot.school_class_id,
                            subgroup_id=slot.subgroup_id,
                            subject_id=slot.subject_id,
                            term=term,
                            slot=slot,
                            teacher_id=slot.teacher_id,
                        )
                    )
            day += timedelta(days=1)
    Lesson.objects.bulk_create(new, batch_size=1000)
    if new:
        respread_plans(school_class)
    return len(new)


@transaction.atomic
def add_lesson(*, school_class, subject, teacher, day, number, subgroup=None, by=None, ip=None):
    """A lesson outside the timetable (a make-up lesson), on a school day of a term."""
    term = Term.objects.filter(
        starts_on__lte=day,
        ends_on__gte=day,
        scheme__in=GradeScheme.objects.filter(grade=school_class.grade).values("scheme"),
    ).first()
    if term is None:
        raise ValidationError(
            {
                "day": _("%(day)s не входит ни в один учебный период класса %(school_class)s.")
                % {"day": format(day, "%d.%m.%Y"), "school_class": school_class}
            }
        )
    if not is_school_day(day, list(Holiday.objects.filter(starts_on__lte=day, ends_on__gte=day))):
        raise ValidationError({"day": _("%(day)s — выходной или каникулы.") % {"day": format(day, "%d.%m.%Y")}})
    if Lesson.objects.filter(date=day, number=number, school_class=school_class, subgroup=subgroup).exists():
        raise ValidationError({"number": _("В это время у класса уже есть урок.")})
    lesson = Lesson.objects.create(
        date=day,
        number=number,
        school_class=school_class,
        subgroup=subgroup,
        subject=subject,
        teacher=teacher,
        term=term,
    )
    record("lesson.added", lesson, by=by, ip=ip, new={"date": day, "number": number, "subject": subject.name})
    return lesson


@transaction.atomic
def cancel_lesson(lesson, *, reason, by=None, ip=None):
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Укажите причину отмены урока.")})
    if lesson.cancelled_at:
        raise ValidationError(_("Урок уже отменён."))
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(
            _("Период «%(term)s» закрыт: урок не отменяется. Открыть период может заместитель директора.")
            % {"term": lesson.term}
        )
    lesson.cancelled_at, lesson.cancel_reason = timezone.now(), reason.strip()
    lesson.save(update_fields=["cancelled_at", "cancel_reason"])
    record("lesson.cancelled", lesson, by=by, ip=ip, new={"reason": lesson.cancel_reason})
