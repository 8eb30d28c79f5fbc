"""The holes found when the product was tried as an attacker would, each as a story that
failed before the rule book (journal/rulebook.py) and its refusing pairs."""

from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Invitation, LoginAttempt, Membership, Role
from audit.models import AuditEntry
from diary import services as diary
from diary.models import Message, Thread
from groundwork.throttles import ByAddress, Writes
from journal import services
from journal.models import Guardian, Lesson, Mark, Pupil
from tenants.models import School

from .conftest import PASSWORD
from .test_invitations import code_on


def maths_lesson(w, cal, before_today=True):
    with schema_context(w.school.schema_name):
        lessons = Lesson.objects.filter(school_class=w.school_class, subject=cal.math, term=cal.term)
        today = timezone.localdate()
        return lessons.filter(date__lt=today).last() if before_today else lessons.filter(date__gt=today).first()


# --- 1. Substitution without bounds -------------------------------------------------------


def test_a_teacher_cannot_take_over_a_colleagues_written_lesson_and_rewrite_its_marks(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal)
    with schema_context(a.school.schema_name):
        mark = services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
    other = enter(a.teacher, a.host)
    assert other.post(f"/api/v1/lessons/{lesson.pk}/substitute/").status_code == 404
    assert other.patch(f"/api/v1/marks/{mark.pk}/", {"value": "2"}, content_type="application/json").status_code == 404
    assert other.delete(f"/api/v1/marks/{mark.pk}/").status_code == 404
    assert (
        other.get(
            f"/api/v1/journal/?school_class={a.school_class.pk}&subject={cal.math.pk}&term={cal.term.pk}"
        ).status_code
        == 404
    )
    assert (
        other.post(
            "/api/v1/final-marks/",
            {"pupil": a.pupils[0].pk, "subject": cal.math.pk, "value": "2"},
            content_type="application/json",
        ).status_code
        == 404
    )
    with schema_context(a.school.schema_name):
        assert Mark.objects.get(pk=mark.pk).value == "5" and Mark.objects.get(pk=mark.pk).deleted_at is None
        assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None
    # The timetabled teacher keeps their lesson.
    assert (
        enter(a.class_teacher, a.host)
        .patch(f"/api/v1/lessons/{lesson.pk}/", {"topic": "Своя тема"}, content_type="application/json")
        .status_code
        == 200
    )


def test_only_the_deputy_assigns_substitutions_and_both_teachers_are_told(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal, before_today=False)
    form = {"lesson": lesson.pk, "teacher": a.teacher.pk, "reason": "illness", "note": "больничный"}
    for someone in (a.teacher, a.class_teacher, a.director):
        enter(someone, a.host).post("/substitutions/", form)
        assert enter(someone, a.host).post(
            "/api/v1/substitutions/", form, content_type="application/json"
        ).status_code in (403, 404)
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None
    deputy = enter(a.deputy, a.host)
    assert deputy.post("/substitutions/", form).status_code == 302
    with schema_context(a.school.schema_name):
        assigned = Lesson.objects.get(pk=lesson.pk)
        entry = AuditEntry.objects.filter(action="lesson.substitution", target_id=lesson.pk).get()
    assert assigned.taught_by_id == a.teacher.pk and assigned.substitution_reason == "illness"
    assert entry.actor_id == a.deputy.pk and entry.new["reason"] == "illness"
    # The substitute sees it among their substitutions, the timetabled teacher on the start page.
    assert cal.math.name in enter(a.teacher, a.host).get("/substitutions/").content.decode()
    assert "проведёт" in enter(a.class_teacher, a.host).get("/").content.decode()
    # A teacher of another school cannot be made a substitute here.
    assert enter(a.deputy, a.host).post(
        "/api/v1/substitutions/", {**form, "teacher": world.b.teacher.pk}, content_type="application/json"
    ).status_code in (400, 404)
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson.pk).taught_by_id == a.teacher.pk


def test_a_substitution_recorded_after_the_lesson_was_written_leaves_its_marks_with_their_teacher(world, enter):
    """Before: the deputy could name a substitute for a past, written lesson; the substitute then
    rewrote its marks and the teacher who gave them could no longer correct them."""
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal)
    with schema_context(a.school.schema_name):
        mark = services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
    form = {"lesson": lesson.pk, "teacher": a.teacher.pk, "reason": "illness", "note": "записано позже"}
    assert enter(a.deputy, a.host).post("/substitutions/", form).status_code == 302
    with schema_context(a.school.schema_name):
        recorded = Lesson.objects.get(pk=lesson.pk)
    assert recorded.taught_by_id == a.teacher.pk and recorded.kept_by_id == a.class_teacher.pk
    substitute = enter(a.teacher, a.host)
    assert substitute.get(f"/lessons/{lesson.pk}/").status_code == 200  # who taught it reads it
    changed = substitute.patch(f"/api/v1/marks/{mark.pk}/", {"value": "2"}, content_type="application/json")
    assert changed.status_code in (403, 404)
    teacher = enter(a.class_teacher, a.host)
    assert teacher.patch(f"/api/v1/marks/{mark.pk}/", {"value": "4"}, content_type="application/json").status_code == 200  # fmt: skip
    with schema_context(a.school.schema_name):
        assert Mark.objects.get(pk=mark.pk).value == "4"


def test_a_substitution_assigned_before_anything_is_written_moves_the_lesson(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal, before_today=False)
    form = {"lesson": lesson.pk, "teacher": a.teacher.pk, "reason": "course"}
    assert enter(a.deputy, a.host).post("/substitutions/", form).status_code == 302
    with schema_context(a.school.schema_name):
        assert Lesson.objects.get(pk=lesson.pk).kept_by_id is None
    topic = {"topic": "Дроби"}
    assert enter(a.teacher, a.host).patch(f"/api/v1/lessons/{lesson.pk}/", topic, content_type="application/json").status_code == 200  # fmt: skip
    assert enter(a.class_teacher, a.host).patch(f"/api/v1/lessons/{lesson.pk}/", topic, content_type="application/json").status_code in (403, 404)  # fmt: skip


# --- 2. The journal API follows the page rules ------------------------------------------------


def test_the_marks_and_history_of_a_lesson_are_read_only_by_who_may_read_its_journal(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal)
    with schema_context(a.school.schema_name):
        mark = services.add_mark(
            lesson, pupil=a.pupils[1], value="4", work_type=cal.answer, by=a.class_teacher, ip="10.0.0.7"
        )
    urls = [
        f"/api/v1/marks/?lesson={lesson.pk}",
        f"/api/v1/marks/{mark.pk}/",
        f"/api/v1/history/?lesson={lesson.pk}&pupil={a.pupils[1].pk}",
        f"/lessons/{lesson.pk}/",
    ]
    for url in urls:
        refused = enter(a.teacher, a.host).get(url)  # teaches Russian in 5А, not maths
        assert refused.status_code == 404, url
        assert a.pupils[1].full_name not in refused.content.decode()
        assert enter(a.class_teacher, a.host).get(url).status_code == 200, url
        assert enter(a.deputy, a.host).get(url).status_code == 200, url
    # Addresses in a cell's history: the lesson's teacher and the heads, not every reader.
    history = f"/api/v1/history/?lesson={lesson.pk}&pupil={a.pupils[1].pk}"
    assert enter(a.deputy, a.host).get(history).json()["results"][0]["ip"] == "10.0.0.7"


# --- 3. Role escalation through invitations ----------------------------------------------------


def test_the_district_operator_cannot_give_a_school_with_an_admin_another_one(world, enter):
    operator = enter(world.operator)
    response = operator.post(f"/district/schools/{world.a.school.slug}/invite-admin/", {"full_name": "Чужой"})
    assert not Invitation.objects.filter(
        school=world.a.school, role=Role.SCHOOL_ADMIN, used_at=None, full_name="Чужой"
    ).exists()
    assert response.status_code in (302, 403)


def test_nobody_accepts_an_invitation_they_issued_themselves(world, enter):
    a = world.a
    code = code_on(enter(a.admin, a.host).post("/staff/invite/", {"role": "deputy", "full_name": "Я сам"}))
    enter(a.admin, a.host).post(f"/invite/{code}/", {})
    assert not Membership.objects.at(a.school).filter(user=a.admin, role=Role.DEPUTY).exists()
    assert Invitation.find(code).used_at is None


def test_district_staff_take_no_school_role(world, enter):
    a = world.a
    invitation, code = accounts.issue_invitation(school=a.school, role=Role.TEACHER, by=a.admin, ip=None)
    page = enter(host=a.host).post(
        f"/invite/{code}/", {"existing-identifier": "operator@district.test", "existing-password": PASSWORD}
    )
    assert "управления образования" in page.content.decode()
    assert not Membership.objects.at(a.school).filter(user=world.operator).exists()


# --- 4. Lockout that counts every guess, and logins that cannot be told apart -------------------


def test_guesses_sent_at_once_check_no_more_passwords_than_the_limit(world, settings, monkeypatch):
    """19 wrong passwords at once, then the right one: before, all 19 were checked (the lock was
    read before the slow hash and the failure counted after it) and the right one signed in."""
    # The per-address request rate is lifted here, so every guess reaches the sign-in limits.
    monkeypatch.setattr(ByAddress, "THROTTLE_RATES", {**ByAddress.THROTTLE_RATES, "sign_in": "1000/min"})
    login = "teacher@school-a.test"

    # Real concurrent requests, each thread on its own database connection (the world is
    # committed; what the threads write is committed too, and removed at the end).
    def attempt(password):
        try:
            return Client(HTTP_HOST=world.a.host).post("/login/", {"identifier": login, "password": password})
        finally:
            connection.close()

    def clean_up():
        try:
            LoginAttempt.objects.filter(identifier=login).delete()
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=19) as pool:
            statuses = [r.status_code for r in pool.map(attempt, ["wrong"] * 19)]
        with ThreadPoolExecutor(max_workers=1) as pool:
            right = pool.submit(attempt, PASSWORD).result()
        assert right.status_code == 429 and "Слишком много неудачных попыток" in right.content.decode()
        assert statuses.count(429) >= 19 - settings.LOCKOUT_ATTEMPTS
        with ThreadPoolExecutor(max_workers=1) as pool:
            rows = pool.submit(lambda: list(LoginAttempt.objects.filter(identifier=login))).result()
        assert len(rows) == 20  # every attempt was written
        assert len([r for r in rows if not r.refused]) <= settings.LOCKOUT_ATTEMPTS  # passwords checked
        assert not [r for r in rows if r.success]
    finally:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(clean_up).result()


def test_an_unknown_login_gets_the_same_answer_and_the_same_lockout(world, enter, settings):
    answers = {}
    for login in ("deputy@school-b.test", "nobody@nowhere.test"):
        browser = enter(host=world.b.host)
        pages = [
            browser.post("/login/", {"identifier": login, "password": "wrong"})
            for _ in range(settings.LOCKOUT_ATTEMPTS)
        ]
        answers[login] = [(p.status_code, "Слишком много" in p.content.decode()) for p in pages]
    assert answers["deputy@school-b.test"] == answers["nobody@nowhere.test"]


# --- 5. Suspended schools take no writes through the portal ------------------------------------


def test_a_parent_cannot_write_to_a_suspended_school(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        thread = diary.start_thread(
            school=a.school, by=a.class_teacher, subject="Экскурсия", text="Едем в музей", pupil=a.pupils[0]
        )
        staff = sorted(diary.staff_about(a.pupils[0], a.school))
    School.objects.filter(pk=a.school.pk).update(status=School.Status.SUSPENDED)
    try:
        parent = enter(world.parent)
        parent.post(f"/messages/{a.school.slug}/{thread.pk}/", {"text": "Мы согласны"})
        parent.post(
            f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/", {"to": staff[0], "subject": "Новая", "text": "Вопрос"}
        )
        with schema_context(a.school.schema_name):
            assert not Message.objects.filter(text__in=["Мы согласны", "Вопрос"]).exists()
            assert not Thread.objects.filter(subject="Новая").exists()
    finally:
        School.objects.filter(pk=a.school.pk).update(status=School.Status.ACTIVE)


# --- 6. A teacher of two schools -----------------------------------------------------------------


def test_a_teacher_of_one_school_accepts_a_second_schools_invitation_with_the_same_account(world, enter):
    a, b = world.a, world.b
    invitation, code = accounts.issue_invitation(
        school=b.school, role=Role.TEACHER, by=b.admin, ip=None, full_name="Совместитель"
    )
    browser = enter(host=b.host)
    response = browser.post(
        f"/invite/{code}/",
        {"existing-identifier": "teacher@school-a.test", "existing-password": PASSWORD, "consent": "on"},
    )
    assert response.status_code == 302
    assert Membership.objects.at(b.school).filter(user=a.teacher, role=Role.TEACHER).exists()
    assert browser.get("/timetable/").status_code == 200
    # The switch moves the person to their other school without a second password.
    moved = enter(a.teacher, a.host)
    assert "Школа Бета" in moved.get("/").content.decode()
    to_b = moved.post("/switch/school-b/")
    assert to_b.status_code == 302 and to_b.url.startswith("http://school-b.localhost:8000/login/handoff/")
    arriving = Client(HTTP_HOST=b.host)
    path = to_b.url.split("8000", 1)[1]
    assert arriving.get(path).status_code == 302 and arriving.get("/timetable/").status_code == 200
    # The pass works once, and only at the host it was made for.
    assert Client(HTTP_HOST=b.host).get(path).url.endswith("/login/")
    assert enter(a.teacher, a.host).post("/switch/school-c/").status_code == 404


# --- 7. Inside a school: class lists, files, withdrawn pupils, ended links -----------------------


def test_a_class_teacher_lists_the_parents_of_their_own_class_only(world, enter):
    a = world.a
    assert enter(a.class_teacher, a.host).get(f"/classes/{a.school_class.pk}/meeting/").status_code == 200
    other = enter(a.class_teacher, a.host).get(f"/classes/{a.other_class.pk}/meeting/")
    assert other.status_code == 404 and world.parent.full_name not in other.content.decode()


def test_a_teacher_downloads_homework_files_only_of_lessons_they_may_read(world, enter, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal, before_today=False)
    with schema_context(a.school.schema_name):
        attached = services.attach_homework_file(
            lesson, SimpleUploadedFile("task.pdf", b"%PDF-1.4 x"), school=a.school, by=a.class_teacher
        )
    url = f"/lessons/{lesson.pk}/files/{attached.pk}/"
    assert enter(a.class_teacher, a.host).get(url).status_code == 200
    assert enter(a.teacher, a.host).get(url).status_code == 404


def test_an_ended_link_or_a_withdrawn_pupil_closes_the_familys_diary_and_threads(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        thread = diary.start_thread(
            school=a.school, by=a.class_teacher, subject="О третьем", text="Добрый день", pupil=a.pupils[2]
        )
        link = Guardian.objects.live().get(user=world.other_parent, pupil=a.pupils[2])
    parent = enter(world.other_parent)
    assert parent.get(f"/messages/{a.school.slug}/{thread.pk}/").status_code == 200
    # A class teacher of another class cannot end it; the pupil's class teacher can, with a reason.
    assert (
        enter(a.teacher, a.host)
        .post(f"/classes/{a.school_class.pk}/guardians/{link.pk}/end/", {"reason": "Решение суда № 2-15"})
        .status_code
        == 403
    )
    enter(a.class_teacher, a.host).post(
        f"/classes/{a.school_class.pk}/guardians/{link.pk}/end/", {"reason": "Решение суда № 2-15"}
    )
    for url in (f"/messages/{a.school.slug}/{thread.pk}/", f"/children/{a.school.slug}/{a.pupils[2].pk}/"):
        assert parent.get(url).status_code in (302, 404), url  # their last child here: signed out
    parent.post(f"/messages/{a.school.slug}/{thread.pk}/", {"text": "Всё равно пишу"})
    with schema_context(a.school.schema_name):
        assert not Message.objects.filter(text="Всё равно пишу").exists()
        ended = Guardian.objects.get(pk=link.pk)
        assert ended.ended_at and ended.end_reason == "Решение суда № 2-15"
        assert AuditEntry.objects.filter(action="guardian.ended", target_id=link.pk, actor=a.class_teacher).exists()


def test_a_parent_withdraws_consent_and_loses_access_at_once(world, enter):
    b = world.b
    parent = enter(world.parent)
    child = f"/children/{b.school.slug}/{b.pupils[1].pk}/"
    assert parent.get(child).status_code == 200
    assert "Отозвать согласие" in parent.get(f"{child}consent/").content.decode()
    parent.post(f"{child}consent/")
    assert parent.get(child).status_code == 404
    with schema_context(b.school.schema_name):
        link = Guardian.objects.get(user=world.parent, pupil=b.pupils[1])
        assert link.consent_withdrawn_at and link.ended_at and link.consent_at  # the consent given stays on record
        assert AuditEntry.objects.filter(action="guardian.consent_withdrawn", target_id=link.pk).exists()
    # The parent's other child, in another school, is untouched.
    assert parent.get(f"/children/{world.a.school.slug}/{world.a.pupils[0].pk}/").status_code == 200


def test_a_withdrawn_pupils_parents_lose_the_threads(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        thread = diary.start_thread(
            school=a.school, by=a.class_teacher, subject="Перед выбытием", text="Документы", pupil=a.pupils[2]
        )
        Pupil.objects.filter(pk=a.pupils[2].pk).update(withdrawn_on=timezone.localdate())
    parent = enter(world.other_parent)
    for url in (f"/messages/{a.school.slug}/{thread.pk}/", f"/api/v1/messages/{a.school.slug}/{thread.pk}/"):
        assert parent.get(url).status_code == 404, url
    assert thread.pk not in [t["id"] for t in parent.get("/api/v1/messages/").json()["results"]]


def test_the_readme_says_what_the_rule_book_says():
    from pathlib import Path

    from journal.rulebook import RULES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for what, who in RULES:
        assert f"| {what} | {who} |" in readme, what


# --- Request rates ---------------------------------------------------------------------------------


def test_too_many_sign_ins_or_invitation_codes_from_one_address_get_a_clear_429(world, enter, settings):
    browser = enter(host=world.a.host)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"].split("/")[0])
    for _ in range(limit):
        browser.post("/login/", {"identifier": f"guess{_}@nowhere.test", "password": "x"})
    refused = browser.post("/login/", {"identifier": "teacher@school-a.test", "password": PASSWORD})
    assert refused.status_code == 429 and "Слишком много запросов" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    # Written down, with the address (nobody is signed in yet).
    held = AuditEntry.objects.filter(action="request.refused", new__status=429).latest("pk")
    assert held.ip == "127.0.0.1" and held.new["path"] == "/login/" and held.actor_id is None
    # Another address is not affected; codes are counted on their own.
    assert (
        enter(host=world.a.host, REMOTE_ADDR="10.1.2.3")
        .post("/login/", {"identifier": "teacher@school-a.test", "password": PASSWORD})
        .status_code
        == 302
    )
    portal = enter(REMOTE_ADDR="10.4.5.6")
    for n in range(int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["invitation"].split("/")[0])):
        assert portal.get(f"/invite/AAAAA-{n:05d}/").status_code == 404
    # Spread over another school's address, the guesses still count as one.
    assert enter(host=world.b.host, REMOTE_ADDR="10.4.5.6").get("/invite/AAAAA-99999/").status_code == 429


def test_api_writes_are_limited_per_person_with_a_structured_429(world, enter, monkeypatch):
    monkeypatch.setattr(Writes, "THROTTLE_RATES", {**Writes.THROTTLE_RATES, "writes": "3/min"})
    a, cal = world.a, world.calendar_a
    lesson = maths_lesson(a, cal)
    teacher = enter(a.class_teacher, a.host)
    answers = [
        teacher.post(
            "/api/v1/marks/",
            {"lesson": lesson.pk, "pupil": a.pupils[0].pk, "value": "4", "work_type": cal.answer.pk},
            content_type="application/json",
        )
        for _ in range(4)
    ]
    assert [r.status_code for r in answers] == [201, 201, 201, 429]
    assert answers[-1].json()["error"]["code"] == "throttled" and answers[-1]["Retry-After"]
    with schema_context(a.school.schema_name):
        assert Mark.objects.filter(lesson=lesson, value="4").count() == 3
    # Reading is not limited, and another teacher has their own allowance.
    assert teacher.get(f"/api/v1/marks/?lesson={lesson.pk}").status_code == 200
    with schema_context(a.school.schema_name):
        russian = Lesson.objects.filter(
            school_class=a.school_class, subject=cal.russian, term=cal.term, date__lt=timezone.localdate()
        ).last()
    assert (
        enter(a.teacher, a.host)
        .post(
            "/api/v1/marks/",
            {"lesson": russian.pk, "pupil": a.pupils[0].pk, "value": "5", "work_type": cal.answer.pk},
            content_type="application/json",
        )
        .status_code
        == 201
    )


def test_no_substitution_in_a_closed_term_or_a_cancelled_lesson(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        # a lesson the substitute does not teach anyway (which would be refused for that first)
        closed = (
            Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term).exclude(teacher=a.teacher).last()
        )
        cancelled = maths_lesson(a, cal, before_today=False)
        services.cancel_lesson(cancelled, reason="Карантин", by=a.deputy)
    deputy = enter(a.deputy, a.host)
    for lesson, why in ((closed, "закрыт"), (cancelled, "отменён")):
        answer = deputy.post(
            "/api/v1/substitutions/",
            {"lesson": lesson.pk, "teacher": a.teacher.pk, "reason": "trip"},
            content_type="application/json",
        )
        assert answer.status_code == 400 and why in answer.json()["error"]["message"], why
        with schema_context(a.school.schema_name):
            assert Lesson.objects.get(pk=lesson.pk).taught_by_id is None


def test_each_lockout_of_the_same_login_and_address_waits_twice_as_long(settings):
    from accounts.lockout import lockout_period

    waits = [lockout_period(n * settings.LOCKOUT_ATTEMPTS).total_seconds() for n in (1, 2, 3, 4, 1000)]
    minutes = settings.LOCKOUT_MINUTES * 60
    assert waits == [minutes, 2 * minutes, 4 * minutes, 8 * minutes, 24 * 3600]
