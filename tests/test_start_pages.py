"""Each role's start page lists the day's work: a teacher's lessons with what is still missing and
the earlier ones left unfinished, a class teacher's absences and families not yet connected, the
deputy's lessons without a substitute, the director's month. Built around a fixed lesson day of
the world (not today's weekday), and shown for one school only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from journal import services
from journal.models import Lesson
from journal.today import class_teacher_day, deputy_day, school_month, teacher_day


@pytest.fixture
def maths_day(world, db):
    """A past day with 5А maths in period 1 (the class teacher's lesson) in the running term."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        return (
            Lesson.objects.filter(
                school_class=a.school_class, subject=cal.math, term=cal.term, date__lt=timezone.localdate()
            )
            .order_by("date")
            .last()
        )


def test_a_teachers_day_lists_the_lessons_with_what_is_missing_and_the_unfinished_ones(world, maths_day):
    a = world.a
    with schema_context(a.school.schema_name):
        services.set_topic(maths_day, topic="Дроби", by=a.class_teacher)
        day = teacher_day(a.class_teacher, maths_day.date)
        assert [lesson.pk for lesson in day["lessons"]] == [maths_day.pk]
        assert day["lessons"][0].gaps == ["посещаемость", "домашнее задание"]
        # Earlier lessons of the running term without topic or attendance are listed, newest first.
        assert day["behind_count"] > 0 and all(lesson.date < maths_day.date for lesson in day["behind"])
        # The day after (the class teacher has no lesson then): the next day that has some.
        later = teacher_day(a.class_teacher, maths_day.date + timedelta(days=1))
        assert later["day"] > maths_day.date and later["lessons"]


def test_a_class_teachers_day_shows_absences_and_families_not_connected(world, maths_day):
    a = world.a
    with schema_context(a.school.schema_name):
        services.take_attendance(maths_day, absent=[a.pupils[2]], by=a.class_teacher)
        (led,) = class_teacher_day(a.class_teacher, maths_day.date)
    assert [entry.pupil for entry in led["absent"]] == [a.pupils[2]]
    assert led["no_reason"] == 1
    assert a.pupils[1] in led["unconnected"] and a.pupils[0] not in led["unconnected"]  # pupils[0]'s mother is


def test_the_deputys_day_lists_lessons_left_without_a_substitute(world, maths_day):
    a = world.a
    with schema_context(a.school.schema_name):
        services.record_teacher_absence(
            school=a.school,
            teacher=a.class_teacher,
            starts_on=maths_day.date,
            ends_on=maths_day.date,
            reason="illness",
            by=a.deputy,
        )
        day = deputy_day(maths_day.date)
        assert [lesson.pk for lesson in day["uncovered"]] == [maths_day.pk] and day["substituted"] == 0
        services.assign_substitution(maths_day, school=a.school, teacher=a.teacher, reason="illness", by=a.deputy)
        day = deputy_day(maths_day.date)
        assert day["uncovered"] == [] and day["substituted"] == 1
        assert day["behind"] and day["behind"][0]["n"] > 0


def test_the_directors_month_counts_the_schools_lessons_and_marks(world, maths_day):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        services.add_mark(maths_day, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        month = school_month(maths_day.date)
        given = Lesson.objects.filter(
            date__range=(maths_day.date.replace(day=1), maths_day.date), cancelled_at__isnull=True
        ).count()
    assert month["lessons"] == given and month["marks"] == 1 and month["pupils"] == 4


@pytest.mark.parametrize("role", ["teacher", "class_teacher", "deputy", "director"])
def test_each_start_page_opens_and_shows_only_its_school(world, enter, role):
    a, b = world.a, world.b
    page = enter(getattr(a, role), a.host).get("/").content.decode()
    assert "Бета" not in page
    expected = {
        "teacher": "Мои уроки",
        "class_teacher": "Мой класс 5А",
        "deputy": "Замены сегодня",
        "director": "Проведено уроков",
    }[role]
    assert expected in page
    other = enter(getattr(b, role), b.host).get("/").content.decode()
    assert "Альфа" not in other and a.pupils[1].last_name not in other


def test_a_parents_start_page_shows_each_childs_day_and_the_weeks_marks_readable_on_a_phone(world, enter, maths_day):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        services.add_mark(
            maths_day, pupil=a.pupils[0], value="4", work_type=cal.test_work, comment="Без ошибок", by=a.class_teacher
        )
        services.add_mark(maths_day, pupil=a.pupils[2], value="2", work_type=cal.answer, by=a.class_teacher)
    page = enter(world.parent).get("/").content.decode()
    # The mark's date, work type and weight are in the text, not in a tooltip a phone never shows
    # (maths is three times a week, so the last maths lesson is within the week).
    assert f"{cal.math.name} — {maths_day.date:%d.%m}, контрольная работа, вес 2. «Без ошибок»" in page
    assert a.pupils[0].full_name in page and world.b.pupils[1].full_name in page  # both children, both schools
    assert a.pupils[2].full_name not in page and '<strong class="mark">2</strong>' not in page  # not her child
    assert "Следующий учебный день" in page
    # The pupil's own start page is the diary's day.
    assert enter(a.pupil_user, a.host).get("/").url == "/diary/"
