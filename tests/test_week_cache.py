"""The diary's week is served from the cache, and never stale: every kind of write the week shows
bumps a version in its own transaction (journal.models.DiaryVersion), and the parent's next look
shows it, exactly as a week read afresh would."""

import re
from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from diary import services as diary_services
from journal import services
from journal.models import Attendance, Lesson, Mark, Pupil, SchoolClass, Subject, WorkType
from journal.selectors import monday_of

MAIN = re.compile(r"<main.*?</main>", re.S)


def past_lesson(world):
    """5А's last maths lesson up to today: the week shown is the one it is in."""
    return (
        Lesson.objects.filter(
            school_class=world.a.school_class, subject=world.calendar_a.math, date__lte=timezone.localdate()
        )
        .order_by("date")
        .last()
    )


def week_of(client, world, monday):
    a = world.a
    page = client.get(f"/children/{a.school.slug}/{a.pupils[0].pk}/?week={monday.isoformat()}")
    assert page.status_code == 200
    return MAIN.search(page.content.decode()).group()


def a_mark(world):
    a = world.a
    return services.add_mark(
        past_lesson(world), pupil=a.pupils[0], value="4", work_type=world.calendar_a.answer, by=a.class_teacher
    )


def a_makeup_lesson(w, subgroup=None):
    """A third lesson (Russian) on the day of the past maths lesson."""
    return services.add_lesson(
        school_class=w.a.school_class,
        subject=w.calendar_a.russian,
        teacher=w.a.teacher,
        day=past_lesson(w).date,
        number=3,
        subgroup=subgroup,
        by=w.a.deputy,
    )


def class_news(w):
    return diary_services.publish_news(
        school=w.a.school, by=w.a.class_teacher, title="Экскурсия", text="В музей.", school_class=w.a.school_class
    )


# Each write gets the school world and the calendar, with school A's schema active; a `setup`
# runs before the first look (what the write then changes must be on the week already).
WRITES = {
    "mark added": (None, a_mark),
    "mark corrected": (a_mark, lambda w: services.change_mark(Mark.objects.get(), value="5", by=w.a.class_teacher)),
    "mark deleted": (a_mark, lambda w: services.delete_mark(Mark.objects.get(), by=w.a.class_teacher)),
    "mark restored": (
        lambda w: (a_mark(w), services.delete_mark(Mark.objects.get(), by=w.a.class_teacher)),
        lambda w: services.restore_mark(Mark.objects.get(), by=w.a.class_teacher),
    ),
    "absence": (None, lambda w: services.take_attendance(past_lesson(w), absent=[w.a.pupils[0]], by=w.a.class_teacher)),
    "absence's reason": (
        lambda w: services.take_attendance(past_lesson(w), absent=[w.a.pupils[0]], by=w.a.class_teacher),
        lambda w: services.set_absence_reason(Attendance.objects.get(), reason="illness", by=w.a.class_teacher),
    ),
    "topic": (None, lambda w: services.set_topic(past_lesson(w), topic="Дроби", by=w.a.class_teacher)),
    "homework": (None, lambda w: services.set_homework(past_lesson(w), text="№ 101", by=w.a.class_teacher)),
    "homework file": (
        None,
        lambda w: services.attach_homework_file(
            past_lesson(w), SimpleUploadedFile("карточка.pdf", b"%PDF-1.4"), school=w.a.school, by=w.a.class_teacher
        ),
    ),
    "lesson cancelled": (None, lambda w: services.cancel_lesson(past_lesson(w), reason="Карантин", by=w.a.deputy)),
    "substitution": (
        None,
        lambda w: services.assign_substitution(
            past_lesson(w), school=w.a.school, teacher=w.a.teacher, reason="illness", by=w.a.deputy
        ),
    ),
    "make-up lesson": (None, a_makeup_lesson),
    "bell times": (None, lambda w: services.set_bell(number=1, starts_at=time(8, 30), ends_at=time(9, 15))),
    "subject renamed (update())": (
        None,
        lambda w: Subject.objects.filter(pk=w.calendar_a.math.pk).update(name="Математика (алгебра)"),
    ),
    "work type renamed (update())": (
        a_mark,
        lambda w: WorkType.objects.filter(pk=w.calendar_a.answer.pk).update(name="Устный ответ"),
    ),
    "school news": (
        None,
        lambda w: diary_services.publish_news(school=w.a.school, by=w.a.admin, title="Субботник", text="В субботу."),
    ),
    "class news": (None, class_news),
    "class renamed (update())": (
        class_news,
        lambda w: SchoolClass.objects.filter(pk=w.a.school_class.pk).update(letter="В"),
    ),
    "parent meeting": (
        None,
        lambda w: diary_services.record_meeting(
            school_class=w.a.school_class,
            held_at=timezone.now() - timedelta(days=1),
            topic="Итоги четверти",
            attended=[],
            by=w.a.class_teacher,
        ),
    ),
    "subgroup joined (m2m)": (
        lambda w: a_makeup_lesson(
            w, subgroup=services.create_subgroup(school_class=w.a.school_class, name="1 группа", pupils=[])
        ),
        lambda w: w.a.school_class.subgroups.get().pupils.add(w.a.pupils[0]),
    ),
    "pupil moved to another class": (
        None,
        lambda w: services.transfer_pupil(
            Pupil.objects.get(pk=w.a.pupils[0].pk),  # not the world's own object: the move is rolled back
            to_class=w.a.other_class,
            on=monday_of(past_lesson(w).date.isoformat()),
            order_number="15-у",
            order_date=monday_of(past_lesson(w).date.isoformat()),
            by=w.a.admin,
        ),
    ),
}


@pytest.mark.parametrize("kind", WRITES)
def test_every_write_the_week_shows_is_on_the_parents_next_look(world, enter, settings, tmp_path, kind):
    settings.MEDIA_ROOT = tmp_path
    setup, write = WRITES[kind]
    parent = enter(world.parent)
    with schema_context(world.a.school.schema_name):
        monday = monday_of(past_lesson(world).date.isoformat())
        if setup:
            setup(world)
    before = week_of(parent, world, monday)  # now in the cache (a cached look: the last test)
    with schema_context(world.a.school.schema_name):
        write(world)
    after = week_of(parent, world, monday)
    assert after != before, "the write is not on the week: this case proves nothing"
    cache.clear()
    assert after == week_of(parent, world, monday)  # exactly what a week read afresh shows


def test_a_holiday_takes_next_weeks_lessons_off_at_once(world, enter):
    parent = enter(world.parent)
    monday = monday_of(timezone.localdate().isoformat()) + timedelta(days=7)
    before = week_of(parent, world, monday)
    with schema_context(world.a.school.schema_name):
        services.add_holiday(
            year=world.calendar_a.year, name="Карантин", starts_on=monday, ends_on=monday + timedelta(days=5)
        )
    after = week_of(parent, world, monday)
    assert after != before and "Уроков нет." in after
    cache.clear()
    assert after == week_of(parent, world, monday)


def test_a_remark_and_its_authors_new_name_show_at_once(world, enter):
    """Remarks are read on every look: their authors' names are not the school's to watch."""
    a = world.a
    parent = enter(world.parent)
    with schema_context(a.school.schema_name):
        lesson = past_lesson(world)
    monday = monday_of(lesson.date.isoformat())
    week_of(parent, world, monday)
    with schema_context(a.school.schema_name):
        services.add_remark(lesson, pupil=a.pupils[0], text="Забыл тетрадь", by=a.class_teacher)
    assert "Забыл тетрадь" in week_of(parent, world, monday)
    type(a.class_teacher).objects.filter(pk=a.class_teacher.pk).update(last_name="Переименованная")
    assert "Переименованная" in week_of(parent, world, monday)


def test_the_cached_week_reads_no_lessons_and_is_one_pupils_and_one_schools(world, enter):
    a, b = world.a, world.b
    parent = enter(world.parent)
    with schema_context(a.school.schema_name):
        lesson = past_lesson(world)
        services.set_topic(lesson, topic="Только для 5А", by=a.class_teacher)
    monday = monday_of(lesson.date.isoformat())
    week_of(parent, world, monday)
    with CaptureQueriesContext(connection) as read:
        cached = week_of(parent, world, monday)
    assert "Только для 5А" in cached
    assert not [q for q in read.captured_queries if 'FROM "journal_lesson"' in q["sql"]]
    # Another family's child of the same class, and the other school's child, get their own weeks.
    other = enter(world.other_parent).get(f"/children/{a.school.slug}/{a.pupils[2].pk}/?week={monday.isoformat()}")
    assert a.pupils[0].full_name not in other.content.decode() and "Только для 5А" in other.content.decode()
    own_b = parent.get(f"/children/{b.school.slug}/{b.pupils[1].pk}/?week={monday.isoformat()}").content.decode()
    assert "Только для 5А" not in own_b
