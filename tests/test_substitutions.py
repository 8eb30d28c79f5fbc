"""Substitutions as the deputy works them: a teacher away for three days is recorded once, the
lessons it leaves uncovered are listed by day with the teachers free in each period (the
subject's own teachers first, then the fewest substitutions this month), and one press covers
them; a teacher busy in that period, or away that day, is refused with the reason named."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Role
from audit.models import AuditEntry
from journal import services
from journal.models import Lesson, TeacherAbsence
from notifications.models import Notification

from .conftest import PASSWORD


@pytest.fixture
def monday(world, db):
    """A Monday ahead in the running term: 5А maths in period 1 (the class teacher), 6Б maths in
    period 2 (the teacher)."""
    a = world.a
    with schema_context(a.school.schema_name):
        return (
            Lesson.objects.filter(school_class=a.other_class, date__gt=timezone.localdate(), term=world.calendar_a.term)
            .order_by("date")
            .first()
            .date
        )


@pytest.fixture
def music_teacher(world, db):
    """A third teacher of school A, who teaches no maths; by name she comes before the others."""
    person = accounts.create_person(
        accounts.NewAccount(last_name="Abramova", first_name="Вера", email="music@school-a.test", password=PASSWORD)
    )
    accounts.add_membership(person, world.a.school, Role.TEACHER)
    return person


def lesson_at(a, day, number, school_class):
    return Lesson.objects.get(date=day, number=number, school_class=school_class)


def test_a_teacher_busy_in_that_period_is_refused_with_the_clashing_lesson_named(world, enter, monday):
    """Before: the deputy could make a teacher cover a lesson in a period they already teach, and
    the product answered «Замена назначена»."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        services.add_lesson(school_class=a.other_class, subject=cal.math, teacher=a.teacher, day=monday, number=1)
        lesson = lesson_at(a, monday, 1, a.school_class)
    form = {"lesson": lesson.pk, "teacher": a.teacher.pk, "reason": "illness", "note": ""}
    page = enter(a.deputy, a.host).post("/substitutions/", form, follow=True).content.decode()
    assert f"ведёт урок: {monday:%d.%m.%Y}, 1 урок, 6Б — Математика" in page
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None


def test_the_deputy_covers_a_three_day_absence_with_free_teachers_suggested(world, enter, monday, music_teacher):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):  # the teacher teaches maths in 6Б
        services.assign_load(
            school=a.school, teacher=a.teacher, subject=cal.math, school_class=a.other_class, hours_per_week=1
        )
    deputy = enter(a.deputy, a.host)
    assert "Учитель отсутствует несколько дней" in deputy.get("/substitutions/").content.decode()
    record = {"teacher": a.class_teacher.pk, "starts_on": monday.isoformat(),
              "ends_on": (monday + timedelta(days=2)).isoformat(), "reason": "illness", "note": "больничный"}  # fmt: skip
    answer = deputy.post("/substitutions/absences/", record)
    with schema_context(a.school.schema_name):
        absence = TeacherAbsence.objects.get()
    assert answer.url == f"/substitutions/absences/{absence.pk}/"
    page = deputy.get(answer.url).content.decode()
    # Monday and Wednesday, maths in period 1 each; the maths teacher is suggested first, before
    # a teacher whose name comes first.
    assert page.count('<select name="teacher_') == 2
    first_choice = re.findall(r'<option value="(\d+)" selected>([^<]+)', page)
    assert [int(pk) for pk, _ in first_choice] == [a.teacher.pk, a.teacher.pk]
    assert "тот же предмет" in first_choice[0][1] and "Abramova В." in page
    form = {
        name: pk
        for name, pk in re.findall(r'<select name="(teacher_\d+)".*?<option value="(\d+)" selected', page, re.S)
    }
    done = deputy.post(answer.url, form, follow=True).content.decode()
    assert "Назначено замен: 2" in done
    with schema_context(a.school.schema_name):
        covered = Lesson.objects.filter(teacher=a.class_teacher, date__range=(monday, monday + timedelta(days=2)))
        assert {lesson.taught_by_id for lesson in covered} == {a.teacher.pk}
        assert {lesson.substitution_reason for lesson in covered} == {"illness"}
        assert AuditEntry.objects.filter(action="teacher.absent", target_id=absence.pk).exists()
        assert Notification.objects.filter(recipient=a.teacher, kind="substitution").count() == 2
    assert "назначено" in deputy.get(answer.url).content.decode()  # the page shows them covered


def test_lessons_left_without_a_choice_are_counted_back(world, enter, monday):
    a = world.a
    with schema_context(a.school.schema_name):
        absence = services.record_teacher_absence(
            school=a.school,
            teacher=a.teacher,
            starts_on=monday,
            ends_on=monday + timedelta(days=1),
            reason="trip",
            by=a.deputy,
        )
        six_b, russian = (
            lesson_at(a, monday, 2, a.other_class),
            lesson_at(a, monday + timedelta(days=1), 2, a.school_class),
        )
    form = {f"teacher_{six_b.pk}": a.class_teacher.pk, f"teacher_{russian.pk}": ""}
    page = enter(a.deputy, a.host).post(f"/substitutions/absences/{absence.pk}/", form, follow=True).content.decode()
    assert "Назначено замен: 1" in page and "Без замены осталось уроков: 1" in page
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=russian.pk).taught_by_id is None


def test_a_teacher_away_that_day_is_neither_suggested_nor_accepted(world, enter, monday, music_teacher):
    a = world.a
    with schema_context(a.school.schema_name):
        services.record_teacher_absence(
            school=a.school, teacher=a.teacher, starts_on=monday, ends_on=monday, reason="course", by=a.deputy
        )
        absence = services.record_teacher_absence(
            school=a.school, teacher=a.class_teacher, starts_on=monday, ends_on=monday, reason="illness", by=a.deputy
        )
        lesson = lesson_at(a, monday, 1, a.school_class)
    deputy = enter(a.deputy, a.host)
    page = deputy.get(f"/substitutions/absences/{absence.pk}/").content.decode()
    options = page.split(f'name="teacher_{lesson.pk}"')[1].split("</select>")[0]
    assert "Abramova" in options and a.teacher.last_name not in options
    refused = deputy.post(f"/substitutions/absences/{absence.pk}/", {f"teacher_{lesson.pk}": a.teacher.pk}, follow=True)
    assert "в этот день отсутствует" in refused.content.decode()
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None


def test_bad_absences_change_nothing_and_only_this_schools_deputy_sees_them(world, enter, monday):
    a, b = world.a, world.b
    deputy = enter(a.deputy, a.host)
    base = {"teacher": a.teacher.pk, "starts_on": monday.isoformat(), "ends_on": monday.isoformat(), "reason": "trip"}
    for change, message in (
        ({"ends_on": (monday - timedelta(days=1)).isoformat()}, "раньше даты начала"),
        ({"ends_on": (monday + timedelta(days=200)).isoformat()}, "длиннее четверти"),
        ({"teacher": b.teacher.pk}, "Учитель"),
        ({"starts_on": "2026-02-30"}, "С"),
        ({"reason": "on_the_day"}, "Причина"),
    ):
        assert message in deputy.post("/substitutions/absences/", {**base, **change}, follow=True).content.decode()
    with schema_context(a.school.schema_name):
        assert not TeacherAbsence.objects.exists()
        absence = services.record_teacher_absence(
            school=a.school, teacher=a.teacher, starts_on=monday, ends_on=monday, reason="trip", by=a.deputy
        )
    page = f"/substitutions/absences/{absence.pk}/"
    assert enter(a.teacher, a.host).get(page).status_code in (403, 404)
    assert enter(a.director, a.host).post(page, {"action": "withdraw"}).status_code in (403, 404)
    assert enter(b.deputy, b.host).get(page).status_code == 404  # school B has no such absence
    assert deputy.post(page, {}, follow=True).content.decode().count("Выберите, кто заменяет") == 1
    deputy.post(page, {"action": "withdraw"})
    with schema_context(a.school.schema_name):
        assert TeacherAbsence.objects.get(pk=absence.pk).withdrawn_at is not None


def links_of(page):
    return sorted(set(re.findall(r'href="(/[^"#]*)"', page)) - {"/logout/"})


@pytest.mark.parametrize("who", ["teacher", "class_teacher", "deputy"])
def test_no_link_on_a_timetable_page_is_a_dead_end(world, enter, monday, who):
    """Before: on a class's week, the lessons of other teachers were links that answered 404."""
    a = world.a
    person = getattr(a, who)
    browser = enter(person, a.host)
    week = f"?week={monday:%Y-%m-%d}"
    for page in (f"/timetable/classes/{a.school_class.pk}/{week}", f"/timetable/classes/{a.other_class.pk}/{week}",
                 f"/timetable/teachers/{a.class_teacher.pk}/{week}", f"/timetable/teachers/{a.teacher.pk}/{week}"):  # fmt: skip
        answer = browser.get(page)
        assert answer.status_code == 200, (who, page)
        for link in links_of(answer.content.decode()):
            assert browser.get(link).status_code == 200, (who, page, link)
    # The teacher still sees the class teacher's maths in 5А, unlinked.
    if who == "teacher":
        page = browser.get(f"/timetable/classes/{a.school_class.pk}/{week}").content.decode()
        assert "Математика" in page and "Русский язык</a>" in page and "Математика</a>" not in page
