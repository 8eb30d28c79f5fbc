"""The teacher's journal: lessons from the timetable, topics, homework, attendance, marks,
substitutions, final marks and closed terms, each change with its history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal import selectors, services
from journal.models import Attendance, Lesson, Mark, Pupil, Rules

TODAY = date.today()


@pytest.fixture
def school_a(world, db):
    with schema_context(world.a.school.schema_name):
        yield world.a, world.calendar_a


def math_lessons(w, cal, term=None):
    return Lesson.objects.filter(school_class=w.school_class, subject=cal.math, term=term or cal.term).order_by("date")


def past_lesson(w, cal, term=None):
    return math_lessons(w, cal, term).filter(date__lte=TODAY).last()


def future_lesson(w, cal):
    return math_lessons(w, cal).filter(date__gt=TODAY).first()


def test_lessons_come_from_the_timetable_and_skip_holidays_and_sundays(school_a):
    w, cal = school_a
    lessons = Lesson.objects.filter(school_class=w.school_class)
    assert lessons.exists()
    assert not lessons.filter(date__range=(cal.holiday.starts_on, cal.holiday.ends_on)).exists()
    assert all(lesson.date.isoweekday() in (1, 3, 5) for lesson in lessons.filter(subject=cal.math))
    assert all(lesson.date.isoweekday() != 7 for lesson in lessons)
    # Every lesson of the running term in the teacher's own week view.
    monday = TODAY - timedelta(days=TODAY.isoweekday() - 1)
    week = dict(selectors.teacher_week(w.class_teacher, monday))
    assert (
        sum(len(day) for day in week.values())
        == math_lessons(w, cal).filter(date__range=(monday, monday + timedelta(days=6))).count()
    )


def test_a_timetable_change_replaces_empty_future_lessons_and_keeps_recorded_ones(school_a):
    w, cal = school_a
    planned = future_lesson(w, cal)
    services.set_homework(planned, text="§ 12, № 3–5 (задано заранее)", by=w.class_teacher, ip="10.0.0.1")
    slot = planned.slot
    future_before = math_lessons(w, cal).filter(date__gt=TODAY).count()
    services.end_slot(slot, last_day=TODAY, by=w.deputy)
    remaining = Lesson.objects.filter(slot=slot, date__gt=TODAY)
    assert list(remaining) == [planned]  # the one with homework stays
    assert future_before > 1
    services.add_slot(
        school=w.school,
        weekday=planned.date.isoweekday() % 6 + 1,
        number=3,
        school_class=w.school_class,
        subject=cal.math,
        teacher=w.class_teacher,
        valid_from=TODAY + timedelta(days=1),
    )
    assert Lesson.objects.filter(school_class=w.school_class, number=3, date__gt=TODAY).exists()


def test_a_clash_in_the_timetable_is_refused_with_reasons(school_a):
    w, cal = school_a
    with pytest.raises(ValidationError) as error:
        services.add_slot(
            school=w.school,
            weekday=1,
            number=1,
            school_class=w.other_class,
            subject=cal.russian,
            teacher=w.class_teacher,
            valid_from=cal.year.starts_on,
            room="12",
        )
    messages = " ".join(error.value.messages)
    assert "уже ведёт урок" in messages and "Кабинет 12 занят" in messages
    with pytest.raises(ValidationError, match="У класса уже есть урок"):
        services.add_slot(
            school=w.school,
            weekday=1,
            number=1,
            school_class=w.school_class,
            subject=cal.russian,
            teacher=w.teacher,
            valid_from=cal.year.starts_on,
        )
    assert not Lesson.objects.filter(subject=cal.russian, school_class=w.other_class).exists()


def test_a_lesson_on_a_holiday_or_outside_a_term_is_refused(school_a):
    w, cal = school_a
    with pytest.raises(ValidationError, match="не входит ни в один учебный период"):
        services.add_lesson(
            school_class=w.school_class,
            subject=cal.math,
            teacher=w.class_teacher,
            day=cal.term.ends_on + timedelta(days=3),
            number=3,
        )
    holiday_in_term = cal.term.starts_on + timedelta(days=1)
    day_off_ahead = next(
        d
        for d in (TODAY + timedelta(days=n) for n in range(1, 8))
        if Lesson.objects.filter(date=d, school_class=w.school_class).exists()
    )
    past_lessons = set(Lesson.objects.filter(date=holiday_in_term).values_list("pk", flat=True))
    for day in (holiday_in_term, day_off_ahead):
        services.add_holiday(year=cal.year, name="Выходной день", starts_on=day, ends_on=day)
    with pytest.raises(ValidationError, match="выходной или каникулы"):
        services.add_lesson(
            school_class=w.school_class, subject=cal.math, teacher=w.class_teacher, day=holiday_in_term, number=3
        )
    assert not Lesson.objects.filter(date=day_off_ahead).exists()  # empty lessons of a new day off ahead are gone
    # A past day declared off keeps its lessons: they are the record of what the journal held.
    assert set(Lesson.objects.filter(date=holiday_in_term).values_list("pk", flat=True)) == past_lessons


def test_topic_homework_and_attendance_keep_their_first_entry_time_and_history(school_a):
    w, cal = school_a
    lesson = past_lesson(w, cal)
    services.set_topic(lesson, topic="Сложение дробей", by=w.class_teacher, ip="10.0.0.2")
    first = lesson.topic_entered_at
    services.set_topic(lesson, topic="Сложение дробей с разными знаменателями", by=w.class_teacher, ip="10.0.0.3")
    lesson.refresh_from_db()
    assert lesson.topic_entered_at == first
    change = AuditEntry.objects.filter(action="lesson.topic", target_id=lesson.pk).first()  # newest first
    assert change.old["topic"] == "Сложение дробей" and change.new["topic"].endswith("знаменателями")
    assert change.ip == "10.0.0.3" and change.actor == w.class_teacher
    services.set_homework(lesson, none=True, by=w.class_teacher)
    homework = AuditEntry.objects.get(action="lesson.homework", target_id=lesson.pk)
    assert homework.old == {"homework": "", "none": False} and homework.new == {"homework": "", "none": True}
    with pytest.raises(ValidationError, match="Введите задание"):
        services.set_homework(lesson, text=" ", by=w.class_teacher)
    services.take_attendance(lesson, by=w.class_teacher)  # "all present", explicitly
    lesson.refresh_from_db()
    assert lesson.attendance_taken_at is not None and not Attendance.objects.filter(lesson=lesson).exists()
    services.take_attendance(lesson, absent=[w.pupils[0]], late=[w.pupils[1]], by=w.class_teacher)
    services.take_attendance(lesson, absent=[w.pupils[0]], by=w.class_teacher)
    late = Attendance.objects.get(lesson=lesson, pupil=w.pupils[1])
    assert late.deleted_at is not None  # withdrawn, not erased
    assert AuditEntry.objects.filter(action="attendance.deleted", target_id=late.pk).exists()


def test_marks_are_checked_and_the_weighted_average_is_the_hand_computed_one(school_a):
    w, cal = school_a
    lesson, pupil = past_lesson(w, cal), w.pupils[0]
    services.add_mark(lesson, pupil=pupil, value="5", work_type=cal.answer, by=w.class_teacher)
    services.add_mark(
        lesson, pupil=pupil, value="3", work_type=cal.test_work, comment="ошибки в № 4", by=w.class_teacher
    )
    marks = Mark.objects.filter(pupil=pupil, lesson__term=cal.term, lesson__subject=cal.math).select_related(
        "work_type"
    )
    average = selectors.weighted_average(marks)
    assert average == Decimal("3.67")  # (5×1 + 3×2) / 3
    assert selectors.suggested_final(average, Rules.get()) == "4"
    strict = Rules(rounding_threshold=Decimal("0.70"))
    assert selectors.suggested_final(average, strict) == "3"
    for value in ("6", "0", "5+", ""):
        with pytest.raises(ValidationError, match="Отметка"):
            services.add_mark(lesson, pupil=pupil, value=value, work_type=cal.answer, by=w.class_teacher)
    with pytest.raises(ValidationError, match="не учится"):
        services.add_mark(lesson, pupil=w.pupils[3], value="4", work_type=cal.answer, by=w.class_teacher)
    with pytest.raises(ValidationError, match="ещё не прошёл"):
        services.add_mark(future_lesson(w, cal), pupil=pupil, value="4", work_type=cal.answer, by=w.class_teacher)
    assert marks.count() == 2


def test_a_subject_without_marks_takes_none(school_a):
    w, cal = school_a
    day = past_lesson(w, cal).date
    music = services.add_lesson(
        school_class=w.school_class, subject=cal.music, teacher=w.class_teacher, day=day, number=3
    )
    with pytest.raises(ValidationError, match="не оценивается"):
        services.add_mark(music, pupil=w.pupils[0], value="5", work_type=cal.answer, by=w.class_teacher)


def test_a_deleted_mark_is_kept_and_can_be_restored_with_its_history(school_a):
    w, cal = school_a
    lesson, pupil = past_lesson(w, cal), w.pupils[1]
    mark = services.add_mark(lesson, pupil=pupil, value="4", work_type=cal.answer, by=w.class_teacher, ip="10.0.0.4")
    services.change_mark(mark, value="5", by=w.class_teacher, ip="10.0.0.5")
    services.delete_mark(mark, by=w.class_teacher, ip="10.0.0.6")
    grid = selectors.journal_grid(w.school_class, cal.math, cal.term)
    row = next(r for r in grid["rows"] if r["pupil"].pk == pupil.pk)
    assert all(m.pk != mark.pk for cell in row["cells"] for m in cell["marks"])
    services.restore_mark(mark, by=w.class_teacher, ip="10.0.0.7")
    history = list(selectors.cell_history(lesson, pupil))
    assert [e.action for e in history] == ["mark.created", "mark.changed", "mark.deleted", "mark.restored"]
    assert [e.ip for e in history] == ["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"]
    assert history[1].old["value"] == "4" and history[1].new["value"] == "5"
    assert Mark.objects.get(pk=mark.pk).entered_at == mark.entered_at


def test_a_closed_term_locks_until_the_deputy_reopens_it_with_a_reason(school_a):
    w, cal = school_a
    old_lesson = past_lesson(w, cal, term=cal.closed_term)
    with pytest.raises(ValidationError, match="закрыт"):
        services.add_mark(old_lesson, pupil=w.pupils[0], value="4", work_type=cal.answer, by=w.class_teacher)
    with pytest.raises(ValidationError, match="причину"):
        services.reopen(
            term=cal.closed_term,
            school_class=w.school_class,
            subject=cal.math,
            reason="",
            until=TODAY + timedelta(days=2),
            by=w.deputy,
        )
    services.reopen(
        term=cal.closed_term,
        school_class=w.school_class,
        subject=cal.math,
        reason="Исправление ошибки по заявлению учителя",
        until=TODAY + timedelta(days=2),
        by=w.deputy,
    )
    services.add_mark(old_lesson, pupil=w.pupils[0], value="4", work_type=cal.answer, by=w.class_teacher)
    # Reopening one subject leaves the others closed.
    russian = Lesson.objects.filter(school_class=w.school_class, subject=cal.russian, term=cal.closed_term).first()
    with pytest.raises(ValidationError, match="закрыт"):
        services.set_topic(russian, topic="Орфограммы", by=w.teacher)


def test_the_deputy_assigns_a_substitute_who_then_keeps_the_lesson(school_a):
    w, cal = school_a
    lesson = math_lessons(w, cal).filter(date__lt=TODAY).last()
    with pytest.raises(PermissionDenied):
        services.set_topic(lesson, topic="Проценты", by=w.teacher)
    with pytest.raises(ValidationError):  # a past lesson is the deputy's to assign, not the teacher's to take
        services.take_as_substitute(lesson, school=w.school, by=w.teacher)
    with pytest.raises(PermissionDenied):
        services.assign_substitution(lesson, school=w.school, teacher=w.teacher, reason="illness", by=w.teacher)
    services.assign_substitution(lesson, school=w.school, teacher=w.teacher, reason="illness", by=w.deputy)
    services.set_topic(lesson, topic="Проценты", by=w.teacher)
    lesson.refresh_from_db()
    assert lesson.taught_by == w.teacher and lesson.substitution_recorded_at is not None
    assert lesson.substitution_reason == "illness" and lesson.substitution_assigned_by == w.deputy
    with pytest.raises(PermissionDenied):  # the timetabled teacher no longer writes to it
        services.set_topic(lesson, topic="Другая тема", by=w.class_teacher)
    monday = lesson.date - timedelta(days=lesson.date.isoweekday() - 1)
    assert lesson in dict(selectors.teacher_week(w.teacher, monday))[lesson.date]
    assert lesson not in dict(selectors.teacher_week(w.class_teacher, monday))[lesson.date]


def test_the_class_teacher_records_why_a_pupil_was_absent(school_a):
    w, cal = school_a
    lesson = Lesson.objects.filter(
        school_class=w.school_class, subject=cal.russian, term=cal.term, date__lte=TODAY
    ).last()
    services.take_attendance(lesson, absent=[w.pupils[2]], by=w.teacher)
    absence = Attendance.objects.get(lesson=lesson, pupil=w.pupils[2], deleted_at__isnull=True)
    with pytest.raises(PermissionDenied):
        services.set_absence_reason(absence, reason="illness", by=w.teacher)
    with pytest.raises(ValidationError):
        services.set_absence_reason(absence, reason="прогул", by=w.class_teacher)
    services.set_absence_reason(absence, reason="illness", by=w.class_teacher)
    entry = AuditEntry.objects.get(action="attendance.reason", target_id=absence.pk)
    assert entry.old == {"reason": ""} and entry.new == {"reason": "illness"}


def test_final_marks_are_set_at_the_end_of_a_term_and_lock_with_it(school_a):
    w, cal = school_a
    pupil = w.pupils[0]
    with pytest.raises(ValidationError, match="ещё идёт"):
        services.set_final_mark(
            pupil=pupil, subject=cal.math, year=cal.year, term=cal.term, value="5", by=w.class_teacher
        )
    with pytest.raises(ValidationError, match="закрыт"):
        services.set_final_mark(
            pupil=pupil, subject=cal.math, year=cal.year, term=cal.closed_term, value="5", by=w.class_teacher
        )
    with pytest.raises(PermissionDenied):
        services.set_final_mark(pupil=pupil, subject=cal.math, year=cal.year, term=None, value="5", by=w.teacher)
    services.reopen(
        term=cal.closed_term,
        school_class=w.school_class,
        subject=cal.math,
        reason="Итоговые отметки не выставлены в срок",
        until=TODAY,
        by=w.deputy,
    )
    final = services.set_final_mark(
        pupil=pupil, subject=cal.math, year=cal.year, term=cal.closed_term, value="4", by=w.class_teacher
    )
    services.set_final_mark(
        pupil=pupil, subject=cal.math, year=cal.year, term=cal.closed_term, value="5", by=w.class_teacher
    )
    entries = AuditEntry.objects.filter(action="final_mark.set", target_id=final.pk).order_by("at", "id")
    assert [e.old for e in entries] == [None, {"value": "4"}]


def test_pupils_move_between_classes_only_by_order(school_a):
    w, cal = school_a
    pupil = Pupil.objects.get(pk=w.pupils[2].pk)  # a copy: the shared one stays in its class
    with pytest.raises(ValidationError, match="приказом"):
        services.transfer_pupil(pupil, to_class=w.other_class, on=TODAY, order_number="", order_date=TODAY)
    services.transfer_pupil(pupil, to_class=w.other_class, on=TODAY, order_number="17-у", order_date=TODAY, by=w.admin)
    assert [m.kind for m in pupil.movements.all()] == ["enrolled", "transferred"]
    services.withdraw_pupil(pupil, on=TODAY, order_number="18-у", order_date=TODAY, by=w.admin)
    pupil.refresh_from_db()
    assert pupil.withdrawn_on == TODAY


def test_a_subgroup_lesson_takes_marks_only_for_the_subgroup(school_a):
    w, cal = school_a
    group = services.create_subgroup(school_class=w.school_class, name="Английский, группа 1", pupils=[w.pupils[0]])
    with pytest.raises(ValidationError, match="Не из класса"):
        services.create_subgroup(school_class=w.school_class, name="Чужие", pupils=[w.pupils[3]])
    day = past_lesson(w, cal).date
    lesson = services.add_lesson(
        school_class=w.school_class, subgroup=group, subject=cal.russian, teacher=w.teacher, day=day, number=3
    )
    services.add_mark(lesson, pupil=w.pupils[0], value="5", work_type=cal.answer, by=w.teacher)
    with pytest.raises(ValidationError, match="подгруппе"):
        services.add_mark(lesson, pupil=w.pupils[1], value="5", work_type=cal.answer, by=w.teacher)
