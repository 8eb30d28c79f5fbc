"""The journal's pages and API, for every role, against a second school."""

from datetime import date

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Role
from journal import selectors, services
from journal.models import Lesson, Mark, Pupil
from notifications.models import Notification

from . import clock
from .conftest import year_ends_soon

TODAY = date.today()


def lesson_of(w, cal, subject=None, past=True):
    with schema_context(w.school.schema_name):
        lessons = Lesson.objects.filter(school_class=w.school_class, subject=subject or cal.math, term=cal.term)
        return (
            lessons.filter(date__lte=TODAY).order_by("date").last()
            if past
            else lessons.filter(date__gt=TODAY).order_by("date").first()
        )


def post_mark(browser, lesson, pupil, value="5", work_type=None):
    return browser.post(
        "/api/v1/marks/",
        {"lesson": lesson.pk, "pupil": pupil.pk, "value": value, "work_type": work_type},
        content_type="application/json",
    )


def test_a_teacher_enters_a_mark_through_the_api_and_gets_the_new_average(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    response = post_mark(browser, lesson, a.pupils[0], "4", cal.answer.pk)
    assert response.status_code == 201
    assert response.json()["average"] == "4.00" and response.json()["suggested"] == "4"
    second = post_mark(browser, lesson, a.pupils[0], "2", cal.test_work.pk).json()
    assert second["average"] == "2.67"  # (4×1 + 2×2) / 3
    listed = browser.get(f"/api/v1/marks/?lesson={lesson.pk}&pupil={a.pupils[0].pk}").json()
    assert [m["value"] for m in listed["results"]] == ["4", "2"]


def test_bad_marks_get_structured_errors_and_change_nothing(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    bad = post_mark(browser, lesson, a.pupils[0], "7", cal.answer.pk)
    assert bad.status_code == 400 and "Отметка" in str(bad.json()["error"]["fields"]["value"])
    stranger = post_mark(browser, lesson, a.pupils[3], "5", cal.answer.pk)
    assert stranger.status_code == 400 and "не учится" in str(stranger.json()["error"]["fields"])
    future = post_mark(browser, lesson_of(a, cal, past=False), a.pupils[0], "5", cal.answer.pk)
    assert future.status_code == 400
    with schema_context(a.school.schema_name):
        assert not Mark.objects.filter(lesson=lesson).exists()


def test_who_may_write_marks(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    # A teacher is refused as if the lesson did not exist; roles that never write marks, outright.
    expected = {
        Role.CLASS_TEACHER: 201,
        Role.TEACHER: 404,
        Role.DEPUTY: 403,
        Role.DIRECTOR: 403,
        Role.SCHOOL_ADMIN: 403,
        Role.PUPIL: 403,
    }
    people = {**a.staff(), Role.PUPIL: a.pupil_user}
    for role, status in expected.items():
        response = post_mark(enter(people[role], a.host), lesson, a.pupils[1], "5", cal.answer.pk)
        assert response.status_code == status, role
    assert post_mark(enter(world.parent, a.host), lesson, a.pupils[0], "5", cal.answer.pk).status_code == 403


def test_who_may_open_the_journal_grid(world, enter):
    a, cal = world.a, world.calendar_a
    url = f"/journal/{a.school_class.pk}/{cal.math.pk}/"
    expected = {
        Role.CLASS_TEACHER: 200,
        Role.DEPUTY: 200,
        Role.DIRECTOR: 200,
        Role.TEACHER: 404,
        Role.SCHOOL_ADMIN: 403,
    }
    for role, status in expected.items():
        assert enter(a.staff()[role], a.host).get(url).status_code == status, role
    assert enter(a.pupil_user, a.host).get(url).status_code == 403
    # The other teacher teaches Russian in 5А: that journal is theirs, maths is not.
    assert enter(a.teacher, a.host).get(f"/journal/{a.school_class.pk}/{cal.russian.pk}/").status_code == 200


def test_the_grid_page_shows_marks_absences_and_averages(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.test_work, by=a.class_teacher)
        services.take_attendance(lesson, absent=[a.pupils[1]], by=a.class_teacher)
    page = enter(a.class_teacher, a.host).get(f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-mark="' in body and ">5</span>" in body and ">н</span>" in body
    assert "5,00" in body and 'data-can-write="1"' in body  # Russian decimal comma
    closed = enter(a.class_teacher, a.host).get(
        f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.closed_term.pk}"
    )
    assert "Период закрыт" in closed.content.decode() and 'data-can-write=""' in closed.content.decode()


def test_the_grid_takes_the_same_number_of_queries_for_any_class_size(world, db):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):

        def count():
            with CaptureQueriesContext(connection) as queries:
                grid = selectors.journal_grid(a.school_class, cal.math, cal.term)
                assert grid["rows"]
            return len(queries)

        count()  # a first call, so that one-time work is not counted
        small = count()
        lesson = lesson_of(a, cal)
        for n in range(27):
            pupil = services.enroll_pupil(
                school_class=a.school_class,
                last_name=f"Новенький{n}",
                first_name="Ученик",
                birth_date=date(2015, 1, 1),
                enrolled_on=lesson.date,  # in the class on the lesson's day, or the mark is refused
                order="99-у",
            )
            services.add_mark(lesson, pupil=pupil, value="4", work_type=cal.answer, by=a.class_teacher)
            services.take_attendance(lesson, late=[pupil], by=a.class_teacher)
        assert count() == small


def test_the_grid_page_takes_a_fixed_number_of_queries(world, enter):
    a, cal = world.a, world.calendar_a
    browser = enter(a.class_teacher, a.host)
    url = f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}"
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):  # a journal with marks (before its first, one query more)
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
    browser.get(url)  # a first call, so that one-time work is not counted
    with CaptureQueriesContext(connection) as first:
        browser.get(url)
    with schema_context(a.school.schema_name):
        for n in range(10):
            pupil = services.enroll_pupil(
                school_class=a.school_class,
                last_name=f"Ещё{n}",
                first_name="Ученик",
                birth_date=date(2015, 1, 1),
                enrolled_on=lesson.date,
                order="99-у",
            )
            services.add_mark(lesson, pupil=pupil, value="3", work_type=cal.answer, by=a.class_teacher)
    with CaptureQueriesContext(connection) as second:
        browser.get(url)
    assert len(second) == len(first)
    # Half of them are django-tenants' `SET search_path` before each query (kept on purpose); the
    # request's own transaction (a savepoint inside the test's) is not a query either. One is the
    # menu's count of unread messages, on every page since issue 17; two the columns' default work
    # type (the lesson page's, issue 33: the journal's lessons, then their marks' types).
    assert (
        len(
            [
                q
                for q in first.captured_queries
                if not q["sql"].startswith(("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT"))
            ]
        )
        <= 22
    )


def test_history_shows_who_when_where_and_restores_a_deleted_mark(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    mark = post_mark(browser, lesson, a.pupils[0], "3", cal.answer.pk).json()
    assert (
        browser.patch(f"/api/v1/marks/{mark['id']}/", {"value": "4"}, content_type="application/json").status_code
        == 200
    )
    assert browser.delete(f"/api/v1/marks/{mark['id']}/").status_code == 200
    history = browser.get(f"/api/v1/history/?lesson={lesson.pk}&pupil={a.pupils[0].pk}").json()["results"]
    assert [h["action"] for h in history] == ["Отметка поставлена", "Отметка изменена", "Отметка удалена"]
    assert history[1]["old"] == f"3, {cal.answer.name}" and history[1]["new"] == f"4, {cal.answer.name}"  # words
    assert history[2]["restorable"] is True and history[0]["ip"] == "127.0.0.1"
    restored = browser.post(f"/api/v1/marks/{mark['id']}/restore/")
    assert restored.status_code == 200 and restored.json()["value"] == "4"


def test_a_lesson_page_records_topic_homework_and_attendance(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    assert "Посещаемость" in browser.get(f"/lessons/{lesson.pk}/").content.decode()
    browser.post(f"/lessons/{lesson.pk}/", {"action": "topic", "topic": "Десятичные дроби"})
    browser.post(f"/lessons/{lesson.pk}/", {"action": "homework", "homework": "№ 101–104"})
    nothing = browser.post(f"/lessons/{lesson.pk}/", {"action": "attendance"}, follow=True)
    assert "подтвердите «все присутствуют»" in nothing.content.decode()
    browser.post(f"/lessons/{lesson.pk}/", {"action": "attendance", f"status_{a.pupils[2].pk}": "late"})
    with schema_context(a.school.schema_name):
        lesson.refresh_from_db()
        assert lesson.topic == "Десятичные дроби" and lesson.homework == "№ 101–104" and lesson.attendance_taken_at
        assert lesson.attendance.get().status == "late"


@pytest.fixture
def school_day():
    """A day with lessons for the tests of "today's" lessons: on a Sunday, they go to Monday."""
    day = clock.school_day_from(date.today())
    with clock.travel_to(day):
        yield day


def lesson_today(w, cal, number=7):
    """A lesson of today for the class teacher's maths (use it on a `school_day`)."""
    with schema_context(w.school.schema_name):
        return Lesson.objects.create(
            date=timezone.localdate(),
            number=number,
            school_class=w.school_class,
            subject=cal.math,
            teacher=w.class_teacher,
            term=cal.term,
        )


def test_a_teacher_takes_over_a_lesson_of_today_from_its_page(world, enter, school_day):
    a, cal = world.a, world.calendar_a
    lesson = lesson_today(a, cal)
    browser = enter(a.teacher, a.host)
    page = browser.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "Я провожу этот урок (замена)" in page and a.pupils[0].full_name not in page
    assert (
        browser.patch(f"/api/v1/lessons/{lesson.pk}/", {"topic": "X"}, content_type="application/json").status_code
        == 404
    )
    browser.post(f"/lessons/{lesson.pk}/", {"action": "substitute"})
    assert (
        browser.patch(
            f"/api/v1/lessons/{lesson.pk}/", {"topic": "Замена: повторение"}, content_type="application/json"
        ).json()["topic"]
        == "Замена: повторение"
    )
    timetable = browser.get(f"/timetable/?week={lesson.date.isoformat()}").content.decode()
    assert "замена" in timetable
    # The substitution opens this lesson only: not the class's maths journal, plan or year marks.
    for url in (
        f"/journal/{a.school_class.pk}/{cal.math.pk}/",
        f"/plans/{a.school_class.pk}/{cal.math.pk}/",
        f"/journal/{a.school_class.pk}/{cal.math.pk}/final/",
    ):
        assert browser.get(url).status_code == 404, url
    # The deputy and the timetabled teacher are told.
    with schema_context(a.school.schema_name):
        told = set(Notification.objects.filter(kind="substitution").values_list("recipient_id", flat=True))
    assert {a.deputy.pk, a.class_teacher.pk} <= told


def test_a_lesson_already_written_or_of_another_day_is_not_a_teachers_to_take(world, enter, school_day):
    a, cal = world.a, world.calendar_a
    written = lesson_today(a, cal)
    with schema_context(a.school.schema_name):
        services.set_topic(written, topic="Начато", by=a.class_teacher)
    with schema_context(a.school.schema_name):
        maths = Lesson.objects.filter(school_class=a.school_class, subject=cal.math).exclude(pk=written.pk)
        yesterday_or_before, tomorrow_or_after = (
            maths.filter(date__lt=timezone.localdate()).last(),
            maths.filter(date__gt=timezone.localdate()).first(),
        )
    browser = enter(a.teacher, a.host)
    for lesson in (written, yesterday_or_before, tomorrow_or_after):
        assert browser.get(f"/lessons/{lesson.pk}/").status_code == 404
        assert browser.post(f"/api/v1/lessons/{lesson.pk}/substitute/").status_code == 404
        with schema_context(a.school.schema_name):
            assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None


def test_homework_files_are_kept_per_school_and_served_only_after_the_access_check(world, enter, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    a, b, cal = world.a, world.b, world.calendar_a
    lesson = lesson_of(a, cal, past=False)
    browser = enter(a.class_teacher, a.host)
    upload = SimpleUploadedFile("задание.pdf", b"%PDF-1.4 homework", content_type="application/pdf")
    browser.post(f"/lessons/{lesson.pk}/", {"action": "homework", "homework": "См. файл", "files": [upload]})
    with schema_context(a.school.schema_name):
        attached = lesson.files.get()
    assert attached.file.name.startswith("school_school_a/homework/")
    url = f"/lessons/{lesson.pk}/files/{attached.pk}/"
    assert browser.get(url).status_code == 200
    assert enter(host=a.host).get(url).status_code == 302  # anonymous: to the sign-in page
    assert enter(a.pupil_user, a.host).get(url).status_code == 403
    assert enter(b.class_teacher, b.host).get(url).status_code == 404
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    refused = browser.post(
        f"/lessons/{lesson.pk}/", {"action": "homework", "homework": "x", "files": [bad]}, follow=True
    )
    assert "допустимы документы" in refused.content.decode()


def test_school_b_sees_none_of_school_a_journal(world, enter):
    a, b, cal = world.a, world.b, world.calendar_a
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):
        services.set_topic(lesson, topic="Тайная тема Альфы", by=a.class_teacher)
    for user in (b.class_teacher, b.deputy, b.director, b.teacher):
        browser = enter(user, b.host)
        for url in (
            f"/lessons/{lesson.pk}/",
            f"/journal/{b.school_class.pk}/{world.calendar_b.math.pk}/",
            "/api/v1/lessons/",
            f"/api/v1/lessons/{lesson.pk}/",
            "/journal/",
            "/timetable/",
            f"/api/v1/marks/?lesson={lesson.pk}",
        ):
            body = browser.get(url).content.decode()
            assert "Тайная тема Альфы" not in body and "Альфа" not in body, (user, url)
    # A's teacher at B's address: nothing.
    assert enter(a.class_teacher, b.host).get(f"/lessons/{lesson.pk}/").status_code == 302
    assert post_mark(enter(a.class_teacher, b.host), lesson, a.pupils[0], "5", cal.answer.pk).status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/lessons/", "/api/v1/journal/"])
def test_parents_and_pupils_never_reach_the_journal_api(world, enter, path):
    a = world.a
    assert enter(a.pupil_user, a.host).get(path).status_code == 403
    assert enter(world.parent, a.host).get(path).status_code == 403


def test_the_journal_list_names_each_class_and_subject_once(world, enter):
    a, cal = world.a, world.calendar_a
    page = enter(a.class_teacher, a.host).get("/journal/").content.decode()
    assert page.count(f'href="/journal/{a.school_class.pk}/{cal.math.pk}/"') == 1
    assert page.count(f'href="/journal/{a.school_class.pk}/{cal.russian.pk}/"') == 1  # the class teacher's class


def test_a_class_teacher_reads_the_other_subjects_of_the_class_without_writing(world, enter):
    a, cal = world.a, world.calendar_a
    page = enter(a.class_teacher, a.host).get(f"/journal/{a.school_class.pk}/{cal.russian.pk}/?term={cal.term.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-open="1"' not in body and 'data-can-write=""' in body


def test_the_year_mark_is_suggested_from_the_term_marks_and_set_by_the_teacher(world, enter):
    from journal.models import FinalMark

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        for term, value in ((cal.closed_term, "5"), (cal.term, "4")):
            FinalMark.objects.create(
                pupil=a.pupils[0],
                subject=cal.math,
                school_class=a.school_class,
                year=cal.year,
                term=term,
                value=value,
                entered_by=a.class_teacher,
            )
        year_ends_soon(cal)
    url = f"/journal/{a.school_class.pk}/{cal.math.pk}/final/"
    page = enter(a.class_teacher, a.host).get(url).content.decode()
    assert "<td>5</td><td>4</td><td></td>" in page and "<td>5</td>\n" in page  # (5 + 4) / 2 = 4.5 -> 5
    enter(a.class_teacher, a.host).post(url, {"pupil": a.pupils[0].pk, "value": "5"})
    with schema_context(a.school.schema_name):
        assert FinalMark.objects.get(pupil=a.pupils[0], subject=cal.math, term=None).value == "5"
    assert enter(a.deputy, a.host).post(url, {"pupil": a.pupils[0].pk, "value": "2"}).status_code == 404


def test_a_mark_with_a_comment_is_set_from_the_lesson_page(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    response = browser.post(
        f"/lessons/{lesson.pk}/",
        {
            "action": "mark",
            "pupil": a.pupils[1].pk,
            "value": "зч",
            "work_type": cal.test_work.pk,
            "comment": "устный зачёт",
        },
        follow=True,
    )
    assert "Отметка зч" in response.content.decode()
    stranger = browser.post(
        f"/lessons/{lesson.pk}/",
        {"action": "mark", "pupil": a.pupils[3].pk, "value": "5", "work_type": cal.answer.pk},
        follow=True,
    )
    assert "Выберите обучающегося этого урока" in stranger.content.decode()
    with schema_context(a.school.schema_name):
        mark = Mark.objects.get(lesson=lesson)
        assert (mark.value, mark.comment, mark.work_type_id) == ("зч", "устный зачёт", cal.test_work.pk)


def test_the_grids_pupils_are_read_without_joining_the_schools_marks(world, db):
    """Who has a mark in the class's lessons is a subquery: a join read every mark of the school's
    pupils, so the page grew with the school (issue 36). The same pupils either way."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = lesson_of(a, cal)
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        with CaptureQueriesContext(connection) as queries:
            grid = selectors.journal_grid(a.school_class, cal.math, cal.term)
        pupil_query = next(
            q["sql"]
            for q in queries
            if q["sql"].startswith(('SELECT "journal_pupil"', 'SELECT DISTINCT "journal_pupil"'))
        )
        assert 'JOIN "journal_mark"' not in pupil_query
        assert 'IN (SELECT U0."pupil_id" AS "pupil" FROM "journal_mark" U0' in pupil_query
        # The query as it was written before, with a join: the same pupils.
        term, today = cal.term, timezone.localdate()
        in_class = Pupil.objects.in_class_on(a.school_class, term.starts_on) | Pupil.objects.in_class_on(
            a.school_class, min(term.ends_on, today)
        )
        joined = (
            Pupil.objects.filter(Q(pk__in=in_class.values("pk")) | Q(marks__lesson__in=[x.pk for x in grid["lessons"]]))
            .distinct()
            .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=term.starts_on))
        )
        assert {row["pupil"].pk for row in grid["rows"]} == set(joined.values_list("pk", flat=True))
