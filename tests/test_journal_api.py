"""The set-up and journal API: the same services and rules as the pages, structured errors."""

from datetime import date, timedelta

from django_tenants.utils import schema_context

from journal.models import Attendance, Lesson, Pupil, Subject, TimetableSlot

TODAY = date.today()


def post(browser, url, data):
    return browser.post(url, data, content_type="application/json")


def test_the_deputy_sets_up_through_the_api(world, enter):
    a, cal = world.a, world.calendar_a
    api = enter(a.deputy, a.host)
    subject = post(api, "/api/v1/subjects/", {"name": "Биология", "is_marked": True})
    assert subject.status_code == 201
    duplicate = post(api, "/api/v1/subjects/", {"name": "биология"})
    assert duplicate.status_code == 400 and duplicate.json()["error"]["fields"]
    slot = post(
        api,
        "/api/v1/timetable/",
        {
            "weekday": 6,
            "number": 1,
            "school_class": a.school_class.pk,
            "subject": subject.json()["id"],
            "teacher": a.teacher.pk,
            "room": "3",
            "valid_from": TODAY.isoformat(),
        },
    )
    assert slot.status_code == 201, slot.json()
    clash = post(
        api,
        "/api/v1/timetable/",
        {
            "weekday": 6,
            "number": 1,
            "school_class": a.school_class.pk,
            "subject": cal.math.pk,
            "teacher": a.class_teacher.pk,
            "valid_from": TODAY.isoformat(),
        },
    )
    assert clash.status_code == 400 and "У класса уже есть урок" in str(clash.json()["error"]["fields"])
    listed = api.get(f"/api/v1/timetable/?school_class={a.school_class.pk}").json()
    assert listed["count"] == 6 and "results" in listed  # paginated
    holiday = post(
        api,
        "/api/v1/holidays/",
        {"year": cal.year.pk, "name": "Вне года", "starts_on": "2000-01-01", "ends_on": "2000-01-02"},
    )
    assert holiday.status_code == 400


def test_setup_writes_are_for_the_deputy_and_the_admin_only(world, enter):
    a = world.a
    for user in (a.teacher, a.class_teacher, a.director, a.pupil_user):
        assert post(enter(user, a.host), "/api/v1/subjects/", {"name": "Химия"}).status_code == 403
    with schema_context(a.school.schema_name):
        assert not Subject.objects.filter(name="Химия").exists()
    assert enter(a.teacher, a.host).get("/api/v1/subjects/").status_code == 200
    assert enter(a.pupil_user, a.host).get("/api/v1/subjects/").status_code == 403


def test_reopening_and_pupil_moves_through_the_api(world, enter):
    a, cal = world.a, world.calendar_a
    form = {
        "term": cal.closed_term.pk,
        "school_class": a.school_class.pk,
        "subject": cal.math.pk,
        "reason": "Ошибка в отметке",
        "until": (TODAY + timedelta(days=1)).isoformat(),
    }
    assert post(enter(a.admin, a.host), "/api/v1/reopenings/", form).status_code == 403
    made = post(enter(a.deputy, a.host), "/api/v1/reopenings/", form)
    assert made.status_code == 201 and made.json()["reopened_by"] == a.deputy.pk
    moved = post(
        enter(a.admin, a.host),
        f"/api/v1/pupils/{a.pupils[2].pk}/move/",
        {"kind": "withdraw", "on": TODAY.isoformat(), "order_number": "81-у", "order_date": TODAY.isoformat()},
    )
    assert moved.status_code == 200 and moved.json()["withdrawn_on"] == TODAY.isoformat()
    with schema_context(a.school.schema_name):
        assert Pupil.objects.get(pk=a.pupils[2].pk).withdrawn_on == TODAY


def test_lessons_attendance_and_substitution_through_the_api(world, enter):
    a, cal = world.a, world.calendar_a
    teacher = enter(a.class_teacher, a.host)
    lessons = teacher.get(f"/api/v1/lessons/?mine=1&date_to={TODAY.isoformat()}&subject={cal.math.pk}").json()
    lesson_id = lessons["results"][-1]["id"]
    put = teacher.put(
        f"/api/v1/lessons/{lesson_id}/attendance/",
        {"absent": [a.pupils[0].pk], "late": []},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["attendance_taken_at"]
    stranger = teacher.put(
        f"/api/v1/lessons/{lesson_id}/attendance/", {"absent": [a.pupils[3].pk]}, content_type="application/json"
    )
    assert stranger.status_code == 400 and "не учится" in str(stranger.json())
    # One pupil at a time (the grid's «н»): the others' attendance stays.
    url = f"/api/v1/lessons/{lesson_id}/attendance/"
    one = teacher.patch(url, {"pupil": a.pupils[1].pk, "status": "late"}, content_type="application/json")
    assert one.status_code == 200
    with schema_context(a.school.schema_name):
        kept = dict(Attendance.objects.live().filter(lesson_id=lesson_id).values_list("pupil_id", "status"))
    assert kept == {a.pupils[0].pk: "absent", a.pupils[1].pk: "late"}
    for bad in ({"pupil": a.pupils[3].pk, "status": "absent"}, {"pupil": a.pupils[1].pk, "status": "ill"}, {}):
        assert teacher.patch(url, bad, content_type="application/json").status_code == 400
    assert (
        enter(a.teacher, a.host)
        .patch(url, {"pupil": a.pupils[1].pk, "status": "present"}, content_type="application/json")
        .status_code
        == 404
    )
    # School B's address knows only school B's lessons: the same ids there are its own.
    enter(world.b.class_teacher, world.b.host).patch(
        url, {"pupil": a.pupils[1].pk, "status": "present"}, content_type="application/json"
    )
    with schema_context(a.school.schema_name):
        assert Attendance.objects.live().filter(lesson_id=lesson_id, pupil=a.pupils[1]).exists()
    teacher.patch(url, {"pupil": a.pupils[1].pk, "status": "present"}, content_type="application/json")
    with schema_context(a.school.schema_name):
        assert set(Attendance.objects.live().filter(lesson_id=lesson_id).values_list("pupil_id", flat=True)) == {
            a.pupils[0].pk
        }
    other = enter(a.teacher, a.host)
    assert (
        other.patch(f"/api/v1/lessons/{lesson_id}/", {"homework": "x"}, content_type="application/json").status_code
        == 404
    )
    # Written to already: not the teacher's to take over; the deputy assigns the substitution.
    assert other.post(f"/api/v1/lessons/{lesson_id}/substitute/").status_code == 404
    assigned = enter(a.deputy, a.host).post(
        "/api/v1/substitutions/",
        {"lesson": lesson_id, "teacher": a.teacher.pk, "reason": "course"},
        content_type="application/json",
    )
    assert assigned.status_code == 201 and assigned.json()["taught_by_id"] == a.teacher.pk
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson_id).taught_by_id == a.teacher.pk
    grid = teacher.get(f"/api/v1/journal/?school_class={a.school_class.pk}&subject={cal.math.pk}&term={cal.term.pk}")
    assert grid.status_code == 200 and grid.json()["rows"]


def test_the_api_of_school_b_knows_nothing_of_school_a(world, enter):
    a, b = world.a, world.b
    with schema_context(a.school.schema_name):
        TimetableSlot.objects.filter(school_class=a.school_class).update(room="Альфа-12")
    api = enter(b.deputy, b.host)
    for url in (
        "/api/v1/timetable/",
        "/api/v1/subjects/",
        "/api/v1/lessons/",
        "/api/v1/terms/",
        "/api/v1/load/",
        "/api/v1/reopenings/",
        "/api/v1/years/",
        "/api/v1/holidays/",
        "/api/v1/bells/",
        "/api/v1/curriculum/",
        "/api/v1/work-types/",
        "/api/v1/grade-schemes/",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert "Альфа" not in response.content.decode(), url


def test_a_list_longer_than_a_page_is_paged_and_a_short_one_counted_without_a_second_query(world, enter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = world.a
    api = enter(a.deputy, a.host)
    with schema_context(a.school.schema_name):
        lessons = Lesson.objects.count()
    assert lessons > 50
    first = api.get("/api/v1/lessons/").json()
    assert first["count"] == lessons and len(first["results"]) == 50 and "page=2" in first["next"]
    last_page = (lessons + 49) // 50
    last = api.get(f"/api/v1/lessons/?page={last_page}").json()
    assert last["count"] == lessons and last["next"] is None and len(last["results"]) == lessons - 50 * (last_page - 1)
    with CaptureQueriesContext(connection) as sent:
        bells = api.get("/api/v1/bells/").json()
    assert bells["count"] == len(bells["results"]) > 0 and bells["next"] is None and bells["previous"] is None
    assert not [q for q in sent.captured_queries if "COUNT(" in q["sql"] and "journal_bell" in q["sql"]]
