"""Writes to a school's own records. Called with the school's schema active.

Every function validates its input, refuses with a ValidationError in the user's words
and changes nothing on refusal, and writes an audit entry for what it changed."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.services import CONSENT_VERSION, end_family_membership
from audit.models import record
from config.uploads import check_upload
from diary.services import notify, notify_staff

from . import rulebook
from .models import (
    AcademicYear,
    Attendance,
    Bell,
    CurriculumItem,
    FinalMark,
    FinalValue,
    GradeScheme,
    Guardian,
    Holiday,
    HomeworkFile,
    Lesson,
    Mark,
    MarkValue,
    PlannedTopic,
    Pupil,
    PupilMovement,
    Reopening,
    Rules,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingLoad,
    Term,
    TermScheme,
    ThematicPlan,
    TimetableSlot,
    WorkType,
)
from .selectors import teachers_of

# --- Classes and pupils -------------------------------------------------------------


@transaction.atomic
def create_class(*, grade, letter, class_teacher=None, by=None, ip=None):
    letter = (letter or "").strip().upper()
    if not 1 <= int(grade) <= 11:
        raise ValidationError({"grade": "Параллель — число от 1 до 11."})
    if not letter or len(letter) > 3:
        raise ValidationError({"letter": "Литера класса — от 1 до 3 символов, например «А»."})
    if SchoolClass.objects.filter(grade=grade, letter=letter).exists():
        raise ValidationError({"letter": f"Класс {grade}{letter} уже есть."})
    school_class = SchoolClass.objects.create(grade=grade, letter=letter, class_teacher=class_teacher)
    record(
        "class.created",
        school_class,
        by=by,
        ip=ip,
        new={"grade": grade, "letter": letter, "class_teacher": getattr(class_teacher, "pk", None)},
    )
    return school_class


def _movement(pupil, on, number, order_date):
    """A transfer or withdrawal: by an order, dated between the pupil's enrolment and a year from now."""
    if not pupil.enrolled_on <= on <= timezone.localdate() + timedelta(days=366):
        raise ValidationError(
            {"on": f"Дата — не раньше зачисления ({pupil.enrolled_on:%d.%m.%Y}) и не позже чем через год."}
        )
    if order_date and order_date > timezone.localdate():
        raise ValidationError({"order_date": "Дата приказа не может быть в будущем."})
    return _order(number, order_date)


def _order(number, order_date):
    if not (number or "").strip():
        raise ValidationError({"order_number": "Изменение списка класса оформляется приказом: укажите его номер."})
    if not order_date:
        raise ValidationError({"order_date": "Укажите дату приказа."})
    return number.strip()


@transaction.atomic
def enroll_pupil(
    *,
    school_class,
    last_name,
    first_name,
    middle_name="",
    birth_date,
    enrolled_on,
    order,
    order_date=None,
    by=None,
    ip=None,
):
    if not (last_name or "").strip() or not (first_name or "").strip():
        raise ValidationError("Укажите фамилию и имя обучающегося.")
    order = _order(order, order_date or enrolled_on)
    pupil = Pupil.objects.create(
        school_class=school_class,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=(middle_name or "").strip(),
        birth_date=birth_date,
        enrolled_on=enrolled_on,
        enrollment_order=order,
    )
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.ENROLLED,
        on=enrolled_on,
        order_number=order,
        order_date=order_date or enrolled_on,
        to_class=school_class,
        recorded_by=by,
    )
    record(
        "pupil.enrolled",
        pupil,
        by=by,
        ip=ip,
        new={"class": str(school_class), "enrolled_on": enrolled_on, "order": order},
    )
    return pupil


@transaction.atomic
def transfer_pupil(pupil, *, to_class, on, order_number, order_date, by=None, ip=None):
    order_number = _movement(pupil, on, order_number, order_date)
    if pupil.withdrawn_on:
        raise ValidationError("Обучающийся выбыл из школы.")
    if to_class.pk == pupil.school_class_id:
        raise ValidationError({"to_class": "Обучающийся уже в этом классе."})
    old = pupil.school_class
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.TRANSFERRED,
        on=on,
        order_number=order_number,
        order_date=order_date,
        from_class=old,
        to_class=to_class,
        recorded_by=by,
    )
    pupil.school_class = to_class
    pupil.save(update_fields=["school_class"])
    pupil.subgroups.clear()
    record(
        "pupil.transferred",
        pupil,
        by=by,
        ip=ip,
        old={"class": str(old)},
        new={"class": str(to_class), "on": on, "order": order_number},
    )
    return pupil


@transaction.atomic
def withdraw_pupil(pupil, *, on, order_number, order_date, by=None, ip=None):
    order_number = _movement(pupil, on, order_number, order_date)
    if pupil.withdrawn_on:
        raise ValidationError("Обучающийся уже выбыл.")
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.WITHDRAWN,
        on=on,
        order_number=order_number,
        order_date=order_date,
        from_class=pupil.school_class,
        recorded_by=by,
    )
    pupil.withdrawn_on = on
    pupil.save(update_fields=["withdrawn_on"])
    record(
        "pupil.withdrawn",
        pupil,
        by=by,
        ip=ip,
        old={"withdrawn_on": None},
        new={"withdrawn_on": on, "order": order_number},
    )
    return pupil


def link_invited_account(sender, *, invitation, user, ip, **kwargs):
    """An accepted invitation that names a pupil: the pupil's own account, or a parent's link with
    the consent given (accounts.signals.pupil_invitation_accepted, in the school's schema)."""
    pupil = Pupil.objects.enrolled().filter(pk=invitation.pupil_id).first()
    if pupil is None:
        raise ValidationError("Обучающийся по этому приглашению выбыл из школы.")
    if invitation.role == Role.PUPIL:
        if pupil.user_id not in (None, user.pk):
            raise ValidationError("У обучающегося уже есть учётная запись.")
        pupil.user = user
        pupil.save(update_fields=["user"])
        record("pupil.account_linked", pupil, by=user, ip=ip, old={"user": None}, new={"user": user.pk})
        return
    guardian, _ = Guardian.objects.get_or_create(pupil=pupil, user=user, ended_at=None)
    guardian.consent_at, guardian.consent_ip, guardian.consent_version = timezone.now(), ip, CONSENT_VERSION
    guardian.save(update_fields=["consent_at", "consent_ip", "consent_version"])
    record("guardian.consent", guardian, by=user, ip=ip, new={"pupil": pupil.pk, "version": CONSENT_VERSION})


@transaction.atomic
def end_guardianship(guardian, *, reason, by, ip=None):
    """The school ends a parent's link to a pupil (a court decision, a mistaken link): the
    parent loses the child's diary and the child's conversations at once."""
    reason = " ".join((reason or "").split())[:300]
    if len(reason) < 5:
        raise ValidationError({"reason": "Укажите основание (например, реквизиты документа)."})
    return _end_link(guardian, reason=reason, by=by, ip=ip, action="guardian.ended")


@transaction.atomic
def withdraw_consent(guardian, *, by, ip=None):
    """The parent withdraws consent to the processing of the child's data: the link ends at once."""
    if guardian.user_id != by.pk:
        raise PermissionDenied("Отозвать согласие может только сам родитель.")
    guardian.consent_withdrawn_at = timezone.now()
    guardian.save(update_fields=["consent_withdrawn_at"])
    return _end_link(
        guardian,
        reason="отзыв согласия на обработку персональных данных",
        by=by,
        ip=ip,
        action="guardian.consent_withdrawn",
    )


def _end_link(guardian, *, reason, by, ip, action):
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if guardian.ended_at:
        raise ValidationError("Связь уже завершена.")
    guardian.ended_at, guardian.end_reason = timezone.now(), reason
    guardian.save(update_fields=["ended_at", "end_reason"])
    record(
        action,
        guardian,
        by=by,
        ip=ip,
        old={"pupil": guardian.pupil_id, "user": guardian.user_id},
        new={"ended_at": guardian.ended_at},
        reason=reason,
    )
    if not Guardian.objects.filter(user=guardian.user_id, ended_at__isnull=True).exists():
        end_family_membership(guardian.user_id, Role.PARENT, by=by, ip=ip, reason=reason)
    return guardian


@transaction.atomic
def create_subgroup(*, school_class, name, pupils, by=None, ip=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Укажите название подгруппы."})
    strangers = [p for p in pupils if p.school_class_id != school_class.pk or p.withdrawn_on]
    if strangers:
        raise ValidationError({"pupils": f"Не из класса {school_class}: {', '.join(p.full_name for p in strangers)}."})
    if Subgroup.objects.filter(school_class=school_class, name=name).exists():
        raise ValidationError({"name": "Такая подгруппа уже есть."})
    subgroup = Subgroup.objects.create(school_class=school_class, name=name)
    subgroup.pupils.set(pupils)
    record("subgroup.created", subgroup, by=by, ip=ip, new={"name": name, "pupils": [p.pk for p in pupils]})
    return subgroup


# --- The school calendar ------------------------------------------------------------


@transaction.atomic
def create_year(*, name, starts_on, ends_on, by=None, ip=None):
    if starts_on >= ends_on:
        raise ValidationError({"ends_on": "Учебный год заканчивается позже, чем начинается."})
    if AcademicYear.objects.filter(Q(name=name) | Q(starts_on__lte=ends_on, ends_on__gte=starts_on)).exists():
        raise ValidationError({"name": "Этот учебный год пересекается с уже созданным."})
    year = AcademicYear.objects.create(name=name, starts_on=starts_on, ends_on=ends_on)
    record("year.created", year, by=by, ip=ip, new={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return year


@transaction.atomic
def set_grade_scheme(*, year, grade, scheme, by=None, ip=None):
    if scheme not in TermScheme.values:
        raise ValidationError({"scheme": "Выберите: четверти, триместры или полугодия."})
    if Lesson.objects.filter(term__year=year, school_class__grade=grade).exists():
        raise ValidationError({"scheme": "Для параллели уже есть уроки: схему периодов менять нельзя."})
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
            {"starts_on": f"Период должен лежать внутри учебного года {year} и кончаться после начала."}
        )
    if Term.objects.filter(year=year, scheme=scheme).filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ValidationError({"starts_on": "Периоды одной схемы не могут пересекаться."})
    if Term.objects.filter(year=year, scheme=scheme, number=number).exists():
        raise ValidationError({"number": "Период с таким номером уже есть."})
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
        raise ValidationError({"starts_on": "Каникулы должны лежать внутри учебного года."})
    if not (name or "").strip():
        raise ValidationError({"name": "Укажите название (например, «Осенние каникулы»)."})
    holiday = Holiday.objects.create(year=year, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    record(
        "holiday.created", holiday, by=by, ip=ip, new={"name": holiday.name, "starts_on": starts_on, "ends_on": ends_on}
    )
    # Lessons already generated on these days and still empty are taken off.
    removed = _remove_empty_lessons(Lesson.objects.filter(date__range=(starts_on, ends_on)))
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


# --- Subjects, curriculum, load, bells ----------------------------------------------


@transaction.atomic
def create_subject(*, name, short_name="", is_marked=True, by=None, ip=None):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Укажите название предмета."})
    if Subject.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Такой предмет уже есть."})
    subject = Subject.objects.create(name=name, short_name=short_name.strip(), is_marked=is_marked)
    record("subject.created", subject, by=by, ip=ip, new={"name": name, "is_marked": is_marked})
    return subject


@transaction.atomic
def create_work_type(*, name, weight=Decimal("1.0"), by=None, ip=None):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Укажите вид работы."})
    if not 0 < float(weight) <= 10:
        raise ValidationError({"weight": "Вес — число больше 0 и не больше 10."})
    if WorkType.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Такой вид работы уже есть."})
    work_type = WorkType.objects.create(name=name, weight=weight)
    record("work_type.created", work_type, by=by, ip=ip, new={"name": name, "weight": weight})
    return work_type


@transaction.atomic
def set_curriculum(*, grade, subject, hours_per_week, by=None, ip=None):
    if not 0 < float(hours_per_week) <= 12:
        raise ValidationError({"hours_per_week": "Часов в неделю — от 0,5 до 12."})
    item, created = CurriculumItem.objects.get_or_create(
        grade=grade, subject=subject, defaults={"hours_per_week": hours_per_week}
    )
    old = None if created else item.hours_per_week
    item.hours_per_week = hours_per_week
    item.save()
    record(
        "curriculum.set",
        item,
        by=by,
        ip=ip,
        old={"hours": old},
        new={"grade": grade, "subject": subject.name, "hours": hours_per_week},
    )
    return item


def _require_teacher(teacher, school):
    if not teachers_of(school).filter(pk=teacher.pk).exists():
        raise ValidationError({"teacher": f"{teacher.full_name} не работает учителем в этой школе."})


@transaction.atomic
def assign_load(*, school, teacher, subject, school_class, subgroup=None, hours_per_week, by=None, ip=None):
    _require_teacher(teacher, school)
    if subgroup is not None and subgroup.school_class_id != school_class.pk:
        raise ValidationError({"subgroup": "Подгруппа из другого класса."})
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
        raise ValidationError({"ends_at": "Урок заканчивается позже, чем начинается."})
    bell, created = Bell.objects.get_or_create(number=number, defaults={"starts_at": starts_at, "ends_at": ends_at})
    old = None if created else {"starts_at": bell.starts_at, "ends_at": bell.ends_at}
    bell.starts_at, bell.ends_at = starts_at, ends_at
    bell.save()
    record("bell.set", bell, by=by, ip=ip, old=old, new={"number": number, "starts_at": starts_at, "ends_at": ends_at})
    return bell


# --- The timetable and the lessons it makes -------------------------------------------


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
        where = f"{slot.get_weekday_display()}, {slot.number} урок: {slot.school_class} {slot.subject}"
        if slot.teacher_id == teacher.pk:
            clashes.append(f"{teacher.short_name} уже ведёт урок ({where}).")
        if slot.school_class_id == school_class.pk and (
            slot.subgroup_id is None or subgroup is None or slot.subgroup_id == subgroup.pk
        ):
            clashes.append(f"У класса уже есть урок в это время ({where}).")
        if room and slot.room == room:
            clashes.append(f"Кабинет {room} занят ({where}).")
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
        raise ValidationError({"weekday": "День недели — с понедельника по субботу."})
    if not Bell.objects.filter(number=number).exists():
        raise ValidationError({"number": f"В расписании звонков нет {number}-го урока."})
    if subgroup is not None and subgroup.school_class_id != school_class.pk:
        raise ValidationError({"subgroup": "Подгруппа из другого класса."})
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
        raise ValidationError({"last_day": "Слот не может закончиться раньше, чем начался."})
    old = slot.valid_to
    slot.valid_to = last_day
    slot.save(update_fields=["valid_to"])
    removed = _remove_empty_lessons(slot.lessons.filter(date__gt=last_day))
    respread_plans(slot.school_class)
    record(
        "slot.ended", slot, by=by, ip=ip, old={"valid_to": old}, new={"valid_to": last_day, "lessons_removed": removed}
    )
    return slot


def _remove_empty_lessons(lessons):
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
        raise ValidationError({"day": f"{day:%d.%m.%Y} не входит ни в один учебный период класса {school_class}."})
    if not is_school_day(day, list(Holiday.objects.filter(starts_on__lte=day, ends_on__gte=day))):
        raise ValidationError({"day": f"{day:%d.%m.%Y} — выходной или каникулы."})
    if Lesson.objects.filter(date=day, number=number, school_class=school_class, subgroup=subgroup).exists():
        raise ValidationError({"number": "В это время у класса уже есть урок."})
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
        raise ValidationError({"reason": "Укажите причину отмены урока."})
    if lesson.cancelled_at:
        raise ValidationError("Урок уже отменён.")
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(
            f"Период «{lesson.term}» закрыт: урок не отменяется. Открыть период может заместитель директора."
        )
    lesson.cancelled_at, lesson.cancel_reason = timezone.now(), reason.strip()
    lesson.save(update_fields=["cancelled_at", "cancel_reason"])
    record("lesson.cancelled", lesson, by=by, ip=ip, new={"reason": lesson.cancel_reason})


# --- Writing the journal --------------------------------------------------------------


def is_locked(term, school_class, subject, today=None):
    """After the term's final marks are due, its records are locked, unless the deputy has
    reopened this class and subject."""
    today = today or timezone.localdate()
    if today < term.locks_on(Rules.get()):
        return False
    return not Reopening.objects.filter(
        term=term, school_class=school_class, subject=subject, until__gte=today
    ).exists()


def check_can_write(lesson, user):
    """The teacher of a lesson, or the one who took it over as a substitute, may write to it."""
    if not rulebook.conducts(user, lesson):
        raise PermissionDenied("Это урок другого учителя.")
    _check_open(lesson)


def _check_open(lesson):
    if lesson.cancelled_at:
        raise ValidationError("Урок отменён: записи в нём не ведутся.")
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(
            f"Период «{lesson.term}» закрыт: записи заблокированы. Открыть их может заместитель директора."
        )


def _is_teacher_here(user, school):
    return teachers_of(school).filter(pk=user.pk).exists()


def _in_words(lesson):
    return f"{lesson.date:%d.%m.%Y}, {lesson.number} урок, {lesson.school_class} — {lesson.subject.name}"


def _heads(school, role):
    return list(Membership.objects.at(school).filter(role=role).values_list("user_id", flat=True))


@transaction.atomic
def assign_substitution(lesson, *, school, teacher, reason, note="", by, ip=None):
    """The deputy assigns who teaches a lesson instead of its timetabled teacher, in advance or
    on the day. The substitute gets this lesson only; both teachers are told."""
    lesson.refresh_from_db(fields=["taught_by", "cancelled_at"], from_queryset=Lesson.objects.select_for_update())
    if not Membership.objects.at(school).filter(user=by, role=Role.DEPUTY).exists():
        raise PermissionDenied("Замены назначает заместитель директора.")
    if reason not in Lesson.SubstitutionReason.values:
        raise ValidationError({"reason": "Выберите причину замены."})
    if teacher is None or not _is_teacher_here(teacher, school):
        raise ValidationError({"teacher": "Выберите учителя этой школы."})
    if teacher.pk == lesson.teacher_id:
        raise ValidationError({"teacher": "Это учитель урока по расписанию: замена не нужна."})
    _check_open(lesson)
    old = {"teacher": lesson.conducted_by_id}
    lesson.taught_by = teacher
    lesson.substitution_recorded_at = timezone.now()
    lesson.substitution_reason = reason
    lesson.substitution_note = " ".join((note or "").split())[:200]
    lesson.substitution_assigned_by = by
    lesson.save(
        update_fields=[
            "taught_by",
            "substitution_recorded_at",
            "substitution_reason",
            "substitution_note",
            "substitution_assigned_by",
        ]
    )
    record(
        "lesson.substitution",
        lesson,
        by=by,
        ip=ip,
        old=old,
        new={"teacher": teacher.pk, "reason": reason, "note": lesson.substitution_note},
    )
    what = _in_words(lesson)
    notify_staff([teacher.pk], f"Вам назначена замена: {what} ({lesson.get_substitution_reason_display()}).")
    notify_staff([lesson.teacher_id], f"Ваш урок {what} проведёт {teacher.short_name} (замена).")
    return lesson


@transaction.atomic
def take_as_substitute(lesson, *, school, by, ip=None):
    """A teacher records taking over a colleague's lesson themselves: only a lesson of today,
    not cancelled, in an open term, not yet written by anyone. The deputy is told."""
    # Locked, then read again: two teachers pressing at once do not both take it.
    lesson.refresh_from_db(
        fields=["taught_by", "cancelled_at", "topic_entered_at", "homework_entered_at", "attendance_taken_at"],
        from_queryset=Lesson.objects.select_for_update(),
    )
    if not _is_teacher_here(by, school):
        raise PermissionDenied("Замену может провести только учитель этой школы.")
    if rulebook.conducts(by, lesson):
        raise ValidationError("Это уже ваш урок.")
    _check_open(lesson)
    if not rulebook.can_take_over(by, rulebook.TEACHING, lesson):
        raise ValidationError(
            "Самому записать замену можно только в день урока и пока в уроке ничего не записано. "
            "Иначе замену назначает заместитель директора."
        )
    lesson.taught_by = by
    lesson.substitution_recorded_at = timezone.now()
    lesson.substitution_reason = Lesson.SubstitutionReason.ON_THE_DAY
    lesson.save(update_fields=["taught_by", "substitution_recorded_at", "substitution_reason"])
    record(
        "lesson.substitution",
        lesson,
        by=by,
        ip=ip,
        old={"teacher": lesson.teacher_id},
        new={"teacher": by.pk, "reason": lesson.substitution_reason},
    )
    what = _in_words(lesson)
    notify_staff(
        _heads(school, Role.DEPUTY), f"{by.short_name} записал(а) замену: {what}. Проверьте, назначена ли она."
    )
    notify_staff([lesson.teacher_id], f"Ваш урок {what} проводит {by.short_name} (замена).")
    return lesson


def _first(lesson, field):
    if getattr(lesson, field) is None:
        setattr(lesson, field, timezone.now())
        return [field]
    return []


@transaction.atomic
def set_topic(lesson, *, topic="", planned_topic=None, by, ip=None):
    check_can_write(lesson, by)
    if planned_topic is not None:
        if (
            planned_topic.plan.subject_id != lesson.subject_id
            or planned_topic.plan.school_class_id != lesson.school_class_id
        ):
            raise ValidationError({"planned_topic": "Тема из КТП другого класса или предмета."})
        topic = topic.strip() or planned_topic.title
    topic = " ".join((topic or "").split())
    if not topic:
        raise ValidationError({"topic": "Укажите тему урока."})
    if len(topic) > 500:
        raise ValidationError({"topic": "Тема длиннее 500 символов."})
    old = {"topic": lesson.topic, "planned_topic": lesson.planned_topic_id}
    lesson.topic, lesson.planned_topic = topic, planned_topic
    lesson.save(update_fields=["topic", "planned_topic", *_first(lesson, "topic_entered_at")])
    record(
        "lesson.topic", lesson, by=by, ip=ip, old=old, new={"topic": topic, "planned_topic": lesson.planned_topic_id}
    )
    return lesson


@transaction.atomic
def set_homework(lesson, *, text="", none=False, by, ip=None):
    """Homework may be set in advance; "not set" is an explicit entry too."""
    check_can_write(lesson, by)
    text = (text or "").strip()
    if none and text:
        raise ValidationError({"homework": "Либо задание, либо «не задано»."})
    if not none and not text:
        raise ValidationError({"homework": "Введите задание или отметьте «не задано»."})
    if len(text) > 5000:
        raise ValidationError({"homework": "Задание длиннее 5000 символов."})
    old = {"homework": lesson.homework, "none": lesson.homework_none}
    lesson.homework, lesson.homework_none = text, none
    lesson.save(update_fields=["homework", "homework_none", *_first(lesson, "homework_entered_at")])
    record("lesson.homework", lesson, by=by, ip=ip, old=old, new={"homework": text, "none": none})
    return lesson


HOMEWORK_FILE_MAX_MB = 10


@transaction.atomic
def attach_homework_file(lesson, upload, *, school, by, ip=None):
    """Files go under the school's own prefix; they are served only through an access check."""
    check_can_write(lesson, by)
    extension = check_upload(upload, field="files", max_mb=HOMEWORK_FILE_MAX_MB)
    stored = default_storage.save(f"{school.schema_name}/homework/{lesson.pk}/{uuid.uuid4().hex}.{extension}", upload)
    attached = HomeworkFile.objects.create(
        lesson=lesson, file=stored, name=upload.name[:200], size=upload.size, uploaded_by=by
    )
    record(
        "homework.file_added",
        attached,
        by=by,
        ip=ip,
        new={"lesson": lesson.pk, "name": attached.name, "size": attached.size},
    )
    return attached


def pupils_of(lesson):
    """Who sits in this lesson: the class (or the subgroup) on the lesson's day."""
    pupils = Pupil.objects.filter(school_class=lesson.school_class).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=lesson.date)
    )
    if lesson.subgroup_id:
        pupils = pupils.filter(subgroups=lesson.subgroup_id)
    return pupils


def _check_pupil(lesson, pupil):
    if not pupils_of(lesson).filter(pk=pupil.pk).exists():
        where = f"подгруппе «{lesson.subgroup.name}»" if lesson.subgroup_id else f"классе {lesson.school_class}"
        raise ValidationError({"pupil": f"{pupil.full_name} не учится в {where}."})


def _check_not_future(lesson):
    if lesson.date > timezone.localdate():
        raise ValidationError("Урок ещё не прошёл: отметки и пропуски ставятся в день урока или позже.")
    if not is_school_day(lesson.date, Holiday.objects.filter(starts_on__lte=lesson.date, ends_on__gte=lesson.date)):
        raise ValidationError(
            f"{lesson.date:%d.%m.%Y} — каникулы или выходной: отметки и пропуски в этот день не ставятся."
        )


def _check_value(value, subject, scale=MarkValue):
    if value not in scale.values:
        extra = ", «н/а» (не аттестован), «осв.» (освобождён)" if scale is FinalValue else ""
        raise ValidationError({"value": f"Отметка: 5, 4, 3, 2, 1, «зч» (зачёт), «нз» (незачёт){extra}."})
    if not subject.is_marked:
        raise ValidationError({"value": f"Предмет «{subject.name}» не оценивается."})


@transaction.atomic
def add_mark(lesson, *, pupil, value, work_type, comment="", by, ip=None, request_key=None):
    """A new mark. With a `request_key` the same request made again returns the mark it made
    the first time (also when both arrive at once: the unique key makes the second wait, then find it)."""
    if request_key is not None:
        made = _mark_of_request(request_key, lesson, pupil, value, by)
        if made is not None:
            return made
    check_can_write(lesson, by)
    _check_not_future(lesson)
    _check_value(value, lesson.subject)
    _check_pupil(lesson, pupil)
    try:
        with transaction.atomic():
            mark = Mark.objects.create(
                lesson=lesson,
                pupil=pupil,
                value=value,
                work_type=work_type,
                comment=(comment or "").strip()[:500],
                entered_by=by,
                request_key=request_key,
            )
    except IntegrityError:
        if request_key is None:
            raise
        return _mark_of_request(request_key, lesson, pupil, value, by)
    record("mark.created", mark, by=by, ip=ip, new=_mark_state(mark))
    comment = f". {mark.comment}" if mark.comment else ""
    notify(
        pupil,
        "mark",
        f"{pupil.first_name}: {lesson.subject.name} — {mark.get_value_display()} "
        f"({work_type.name.lower()}), {lesson.date:%d.%m.%Y}{comment}",
    )
    return mark


def _mark_of_request(request_key, lesson, pupil, value, by):
    made = Mark.objects.select_related("lesson", "work_type").filter(request_key=request_key).first()
    if made is not None and (made.lesson_id, made.pupil_id, made.value, made.entered_by_id) != (
        lesson.pk,
        pupil.pk,
        value,
        by.pk,
    ):
        raise ValidationError({"request_key": "Этот ключ запроса уже использован для другой отметки."})
    return made


def _mark_state(mark):
    return {
        "lesson": mark.lesson_id,
        "pupil": mark.pupil_id,
        "value": mark.value,
        "work_type": mark.work_type.name,
        "comment": mark.comment,
    }


@transaction.atomic
def change_mark(mark, *, value=None, work_type=None, comment=None, by, ip=None):
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if mark.deleted_at:
        raise ValidationError("Отметка удалена: сначала восстановите её.")
    old = _mark_state(mark)
    if value is not None:
        _check_value(value, mark.lesson.subject)
        mark.value = value
    if work_type is not None:
        mark.work_type = work_type
    if comment is not None:
        mark.comment = comment.strip()[:500]
    mark.changed_at = timezone.now()
    mark.save()
    record("mark.changed", mark, by=by, ip=ip, old=old, new=_mark_state(mark))
    if old["value"] != mark.value:
        notify(
            mark.pupil,
            "mark",
            f"{mark.pupil.first_name}: {mark.lesson.subject.name}, {mark.lesson.date:%d.%m.%Y} — "
            f"отметка изменена с {old['value']} на {mark.value}",
        )
    return mark


@transaction.atomic
def delete_mark(mark, *, by, ip=None):
    """A mark is never erased: it is marked deleted and can be restored."""
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if mark.deleted_at:
        raise ValidationError("Отметка уже удалена.")
    mark.deleted_at = timezone.now()
    mark.save(update_fields=["deleted_at"])
    record("mark.deleted", mark, by=by, ip=ip, old=_mark_state(mark), new=None)
    return mark


@transaction.atomic
def restore_mark(mark, *, by, ip=None):
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if not mark.deleted_at:
        raise ValidationError("Отметка не удалена.")
    mark.deleted_at = None
    mark.changed_at = timezone.now()
    mark.save(update_fields=["deleted_at", "changed_at"])
    record("mark.restored", mark, by=by, ip=ip, old=None, new=_mark_state(mark))
    return mark


@transaction.atomic
def take_attendance(lesson, *, absent=(), late=(), by, ip=None):
    """The lesson's attendance as a whole: who was absent, who was late; nobody listed
    means "all present", which is recorded too. Earlier entries not repeated are withdrawn."""
    check_can_write(lesson, by)
    _check_not_future(lesson)
    absent, late = {p.pk: p for p in absent}, {p.pk: p for p in late}
    if set(absent) & set(late):
        raise ValidationError("Обучающийся не может одновременно отсутствовать и опоздать.")
    for pupil in [*absent.values(), *late.values()]:
        _check_pupil(lesson, pupil)
    wanted = {**{pk: Attendance.Status.ABSENT for pk in absent}, **{pk: Attendance.Status.LATE for pk in late}}
    current = {a.pupil_id: a for a in Attendance.objects.select_for_update().live().filter(lesson=lesson)}
    now = timezone.now()
    for pupil_id, record_ in current.items():
        if pupil_id not in wanted:
            record_.deleted_at = now
            record_.save(update_fields=["deleted_at"])
            record(
                "attendance.deleted", record_, by=by, ip=ip, old={"pupil": pupil_id, "status": record_.status}, new=None
            )
        elif wanted[pupil_id] != record_.status:
            old = record_.status
            record_.status, record_.changed_at = wanted[pupil_id], now
            record_.save(update_fields=["status", "changed_at"])
            record(
                "attendance.changed",
                record_,
                by=by,
                ip=ip,
                old={"pupil": pupil_id, "status": old},
                new={"pupil": pupil_id, "status": record_.status},
            )
    everyone = {**absent, **late}
    for pupil_id, status in wanted.items():
        if pupil_id not in current:
            entry = Attendance.objects.create(lesson=lesson, pupil_id=pupil_id, status=status, entered_by=by)
            record("attendance.created", entry, by=by, ip=ip, new={"pupil": pupil_id, "status": status})
            what = "отсутствует на уроке" if status == Attendance.Status.ABSENT else "опоздал(а) на урок"
            notify(
                everyone[pupil_id],
                "absence",
                f"{everyone[pupil_id].first_name} {what} «{lesson.subject.name}», "
                f"{lesson.date:%d.%m.%Y}, {lesson.number}-й урок",
            )
    fields = _first(lesson, "attendance_taken_at")
    if fields:
        lesson.save(update_fields=fields)
    record("lesson.attendance", lesson, by=by, ip=ip, new={"absent": sorted(absent), "late": sorted(late)})
    return lesson


@transaction.atomic
def set_absence_reason(attendance, *, reason, by, ip=None):
    """The class teacher records why a pupil was absent."""
    attendance = (
        Attendance.objects.select_for_update()
        .select_related("pupil__school_class", "lesson__term", "lesson__subject", "lesson__school_class")
        .get(pk=attendance.pk)
    )
    if attendance.pupil.school_class.class_teacher_id != by.pk:
        raise PermissionDenied("Причину пропуска указывает классный руководитель.")
    if reason not in Attendance.Reason.values or not reason:
        raise ValidationError({"reason": "Причина: по болезни, уважительная или неуважительная."})
    if attendance.deleted_at:
        raise ValidationError("Запись о пропуске снята учителем.")
    lesson = attendance.lesson
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(f"Период «{lesson.term}» закрыт: записи заблокированы.")
    old = attendance.reason
    attendance.reason, attendance.changed_at = reason, timezone.now()
    attendance.save(update_fields=["reason", "changed_at"])
    record("attendance.reason", attendance, by=by, ip=ip, old={"reason": old}, new={"reason": reason})
    return attendance


# --- Final marks, closing and reopening terms ------------------------------------------


@transaction.atomic
def set_final_mark(*, pupil, subject, year, term=None, value, by, ip=None):
    school_class = pupil.school_class
    if not rulebook.teaches(by, school_class, subject):
        raise PermissionDenied("Итоговую отметку ставит учитель этого предмета в классе.")
    _check_value(value, subject, FinalValue)
    if term is not None:
        if term.year_id != year.pk:
            raise ValidationError({"term": "Период из другого учебного года."})
        if timezone.localdate() < term.ends_on - timedelta(days=14):
            raise ValidationError({"term": f"Период «{term}» ещё идёт: итоговая отметка ставится в его конце."})
        if is_locked(term, school_class, subject):
            raise ValidationError(f"Период «{term}» закрыт: итоговые отметки заблокированы.")
    else:
        _check_year_mark_due(year, school_class, subject)
    final, created = FinalMark.objects.select_for_update().get_or_create(
        pupil=pupil,
        subject=subject,
        year=year,
        term=term,
        defaults={"value": value, "school_class": school_class, "entered_by": by},
    )
    old = None if created else {"value": final.value}
    if not created:
        final.value, final.changed_at = value, timezone.now()
        final.save(update_fields=["value", "changed_at"])
    record(
        "final_mark.set",
        final,
        by=by,
        ip=ip,
        old=old,
        new={"pupil": pupil.pk, "subject": subject.name, "term": getattr(term, "pk", None), "value": value},
    )
    period = f"{term}" if term else f"{year} учебный год"
    notify(
        pupil,
        "final",
        f"{pupil.first_name}: итоговая отметка по предмету «{subject.name}» за {period} — {final.get_value_display()}",
    )
    return final


def _check_year_mark_due(year, school_class, subject):
    """The year mark follows the year's last term: set in its last two weeks or after, and locked
    with it (the deputy reopens that term to correct one)."""
    scheme = GradeScheme.objects.filter(year=year, grade=school_class.grade).values("scheme")
    last = Term.objects.filter(year=year, scheme__in=scheme).order_by("-ends_on").first()
    if last is None:
        raise ValidationError({"term": f"В учебном году {year} у {school_class.grade} классов нет учебных периодов."})
    if timezone.localdate() < last.ends_on - timedelta(days=14):
        raise ValidationError(
            {
                "term": f"Годовая отметка ставится в конце учебного года (период «{last}» "
                f"заканчивается {last.ends_on:%d.%m.%Y})."
            }
        )
    if is_locked(last, school_class, subject):
        raise ValidationError(f"Учебный год {year} закрыт: годовые отметки заблокированы.")


@transaction.atomic
def reopen(*, term, school_class, subject, reason, until, by, ip=None):
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError({"reason": "Опишите причину (например, «исправление ошибки по заявлению учителя»)."})
    if until < timezone.localdate():
        raise ValidationError({"until": "Дата окончания уже прошла."})
    reopening = Reopening.objects.create(
        term=term, school_class=school_class, subject=subject, reason=reason, reopened_by=by, until=until
    )
    record(
        "term.reopened",
        reopening,
        by=by,
        ip=ip,
        new={"term": term.pk, "class": str(school_class), "subject": subject.name, "until": until},
        reason=reason,
    )
    return reopening


# --- Thematic plans ---------------------------------------------------------------------


@transaction.atomic
def save_plan(*, subject, school_class, year, topics, by=None, ip=None):
    """Sets a plan's topics, in order, as (title, hours) or (title, hours, planned date) rows.
    Topics up to the last one matched to a lesson are kept as they are; the rest of the plan is
    replaced. Topics without a date get one from the timetable (spread_plan)."""
    if not topics:
        raise ValidationError({"topics": "В плане нет ни одной темы."})
    rows = []
    for n, (title, hours, *planned) in enumerate(topics, start=1):
        if not (title or "").strip():
            raise ValidationError({"topics": f"Строка {n}: пустая тема."})
        if not str(hours).isdigit() or not 1 <= int(hours) <= 50:
            raise ValidationError({"topics": f"Строка {n}: часов должно быть от 1 до 50."})
        due_on = planned[0] if planned else None
        if due_on is not None and not year.starts_on <= due_on <= year.ends_on:
            raise ValidationError({"topics": f"Строка {n}: дата {due_on:%d.%m.%Y} вне учебного года {year}."})
        rows.append((title.strip()[:500], int(hours), due_on))
    plan, _ = ThematicPlan.objects.get_or_create(subject=subject, school_class=school_class, year=year)
    # Up to the last topic a lesson was matched to, the plan stays as it is.
    kept = plan.topics.filter(lessons__isnull=False).aggregate(last=Max("position"))["last"] or 0
    if len(rows) < kept:
        raise ValidationError({"topics": f"К первым {kept} темам уже привязаны уроки: план не может быть короче."})
    plan.topics.filter(position__gt=kept).delete()
    PlannedTopic.objects.bulk_create(
        [
            PlannedTopic(
                plan=plan, position=n, title=title, hours=hours, due_on=due_on, due_on_typed=due_on is not None
            )
            for n, (title, hours, due_on) in enumerate(rows, start=1)
            if n > kept
        ]
    )
    spread_plan(plan)
    record(
        "plan.saved",
        plan,
        by=by,
        ip=ip,
        new={"topics": len(rows), "kept": kept, "dated": sum(1 for row in rows if row[2])},
    )
    return plan


def spread_plan(plan, today=None):
    """Gives every topic not yet taught and without a typed date the date of its last lesson,
    taking the class's coming lessons of the subject in order, as many as the topic's hours."""
    today = today or timezone.localdate()
    coming = iter(
        Lesson.objects.filter(
            school_class=plan.school_class_id, subject=plan.subject_id, cancelled_at__isnull=True, date__gte=today
        )
        .order_by("date", "number")
        .values_list("date", flat=True)
    )
    changed = []
    for topic in plan.topics.filter(due_on_typed=False, lessons__isnull=True).order_by("position"):
        dates = list(islice(coming, topic.hours))
        due_on = dates[-1] if len(dates) == topic.hours else None  # past the year's last lesson: no date
        if topic.due_on != due_on:
            topic.due_on = due_on
            changed.append(topic)
    PlannedTopic.objects.bulk_update(changed, ["due_on"])
    return len(changed)


def respread_plans(school_class=None):
    """After the timetable changed: the plans' untyped dates follow the new lessons."""
    plans = (
        ThematicPlan.objects.all() if school_class is None else ThematicPlan.objects.filter(school_class=school_class)
    )
    return sum(spread_plan(plan) for plan in plans)
