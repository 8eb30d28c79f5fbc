"""The lesson page as one form: topic, homework, attendance and marks in one save; a refusal
saves nothing and loses nothing typed; a mark for an absent pupil is a warning, not a refusal."""

import uuid
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal import services
from journal.models import Attendance, FinalMark, Lesson, Mark
from notifications.models import Notification

from .conftest import year_ends_soon
from .test_journal_pages import lesson_of


def whole_lesson(lesson, pupils, work_type, **extra):
    return {
        "action": "lesson",
        "request_key": str(uuid.uuid4()),
        "topic": "Сложение дробей",
        "homework": "№ 210, 211",
        "work_type": work_type.pk,
        f"status_{pupils[1].pk}": "absent",
        f"status_{pupils[2].pk}": "late",
        f"mark_{pupils[0].pk}": "5",
        f"mark_{pupils[2].pk}": "4",
        **extra,
    }


def test_a_teacher_saves_topic_homework_attendance_and_marks_at_once(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    page = browser.get(f"/lessons/{lesson.pk}/")
    assert page.status_code == 200 and 'value="lesson"' in page.content.decode()
    sent = whole_lesson(lesson, a.pupils, cal.answer)
    response = browser.post(f"/lessons/{lesson.pk}/", sent, follow=True)
    assert "Урок сохранён" in response.content.decode()
    with schema_context(a.school.schema_name):
        saved = Lesson.objects.get(pk=lesson.pk)
        assert (saved.topic, saved.homework) == ("Сложение дробей", "№ 210, 211")
        statuses = dict(Attendance.objects.live().filter(lesson=lesson).values_list("pupil_id", "status"))
        assert statuses == {a.pupils[1].pk: "absent", a.pupils[2].pk: "late"}
        marks = dict(Mark.objects.live().filter(lesson=lesson).values_list("pupil_id", "value"))
        assert marks == {a.pupils[0].pk: "5", a.pupils[2].pk: "4"}
        actions = set(AuditEntry.objects.filter(target_id__in=[lesson.pk]).values_list("action", flat=True))
        assert {"lesson.topic", "lesson.homework", "lesson.attendance"} <= actions
    # The same form sent twice (a double click) makes its marks once.
    browser.post(f"/lessons/{lesson.pk}/", sent)
    with schema_context(a.school.schema_name):
        assert Mark.objects.live().filter(lesson=lesson).count() == 2


def test_a_refused_save_changes_nothing_and_shows_everything_as_typed(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    with schema_context(a.school.schema_name):
        before = Lesson.objects.filter(pk=lesson.pk).values("topic", "homework").get()
    sent = whole_lesson(lesson, a.pupils, cal.answer, **{f"mark_{a.pupils[0].pk}": "7"})  # not a mark
    response = browser.post(f"/lessons/{lesson.pk}/", sent)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Сложение дробей" in page and "№ 210, 211" in page  # nothing typed is lost
    with schema_context(a.school.schema_name):
        assert Lesson.objects.filter(pk=lesson.pk).values("topic", "homework").get() == before
        assert not Mark.objects.filter(lesson=lesson).exists()
    # A file the school does not take, with everything else valid: the whole save is refused.
    program = SimpleUploadedFile("zadanie.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = browser.post(f"/lessons/{lesson.pk}/", whole_lesson(lesson, a.pupils, cal.answer, files=[program]))
    page = response.content.decode()
    assert response.status_code == 400 and "№ 210, 211" in page and "Файлы выберите ещё раз" in page
    with schema_context(a.school.schema_name):
        assert Lesson.objects.filter(pk=lesson.pk).values("topic", "homework").get() == before
        assert not Mark.objects.filter(lesson=lesson).exists()
        assert not Attendance.objects.filter(lesson=lesson, pupil=a.pupils[1]).exists()


def test_a_mark_for_an_absent_pupil_is_saved_with_a_warning(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    sent = whole_lesson(lesson, a.pupils, cal.answer, **{f"mark_{a.pupils[1].pk}": "3"})
    response = enter(a.class_teacher, a.host).post(f"/lessons/{lesson.pk}/", sent, follow=True)
    assert "отсутствовавшему" in response.content.decode()
    with schema_context(a.school.schema_name):
        assert Mark.objects.live().filter(lesson=lesson, pupil=a.pupils[1], value="3").exists()


def test_the_work_type_defaults_to_the_one_this_class_mostly_gets(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    sent = whole_lesson(lesson, a.pupils, cal.test_work)
    browser.post(f"/lessons/{lesson.pk}/", sent)
    page = browser.get(f"/lessons/{lesson.pk}/").content.decode()
    assert f'<option value="{cal.test_work.pk}" selected>' in page


def test_a_mark_gets_a_comment_from_the_lesson_page_which_the_family_reads(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    sent = whole_lesson(lesson, a.pupils, cal.answer, **{f"comment_{a.pupils[0].pk}": "  Решила у доски  "})
    browser.post(f"/lessons/{lesson.pk}/", sent)
    with schema_context(a.school.schema_name):
        comments = dict(Mark.objects.live().filter(lesson=lesson).values_list("pupil_id", "comment"))
        notice = Notification.objects.get(pupil=a.pupils[0], kind="mark", recipient=world.parent)
    assert comments == {a.pupils[0].pk: "Решила у доски", a.pupils[2].pk: ""}
    assert notice.text.endswith(". Решила у доски")
    assert "«Решила у доски»" in browser.get(f"/lessons/{lesson.pk}/").content.decode()
    # The grid and the same column's default agree with the lesson page's.
    grid = browser.get(f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}").content.decode()
    column = grid.split(f'data-lesson="{lesson.pk}"', 1)[1].split("</th>", 1)[0]
    assert f'<option value="{cal.answer.pk}" selected>' in column
    assert 'data-comment="Решила у доски"' in grid


def test_another_teacher_or_school_cannot_save_the_lesson(world, enter):
    a, b, cal = world.a, world.b, world.calendar_a
    lesson = lesson_of(a, cal)
    sent = whole_lesson(lesson, a.pupils, cal.answer)
    assert enter(a.teacher, a.host).post(f"/lessons/{lesson.pk}/", sent).status_code == 404  # not their lesson
    refused = enter(b.class_teacher, a.host).post(f"/lessons/{lesson.pk}/", sent)  # not their school
    assert refused.status_code == 302 and refused.url.startswith("/login/")
    with schema_context(a.school.schema_name):
        assert not Mark.objects.filter(lesson=lesson).exists()


def note_days(a, count=3):
    """The last `count` days with lessons before today, as a note would cover them."""
    with schema_context(a.school.schema_name):
        days = sorted(
            set(
                Lesson.objects.filter(
                    school_class=a.school_class, date__lt=date.today(), cancelled_at__isnull=True
                ).values_list("date", flat=True)
            )
        )[-count:]
    return days[0], days[-1]


def test_a_class_teacher_enters_a_note_for_several_days_in_one_action(world, enter):
    a = world.a
    pupil = a.pupils[0]
    first, last = note_days(a)
    with schema_context(a.school.schema_name):
        lessons = set(
            Lesson.objects.filter(school_class=a.school_class, date__range=(first, last), cancelled_at__isnull=True)
            .filter(subgroup__isnull=True)
            .values_list("pk", flat=True)
        )
    sent = {"action": "note", "pupil": pupil.pk, "first": first, "last": last, "reason": "illness"}
    response = enter(a.class_teacher, a.host).post(f"/classes/{a.school_class.pk}/absences/", sent, follow=True)
    assert "Справка внесена" in response.content.decode()
    with schema_context(a.school.schema_name):
        entries = Attendance.objects.live().filter(pupil=pupil, lesson__date__range=(first, last))
        assert {e.lesson_id for e in entries} == lessons and {e.reason for e in entries} == {"illness"}
        audited = AuditEntry.objects.filter(action="attendance.reason", target_id__in=[e.pk for e in entries])
        assert audited.count() == len(lessons)  # one entry per lesson


def test_a_note_is_the_class_teachers_and_only_for_days_past(world, enter):
    a, b = world.a, world.b
    first, last = note_days(a)
    url = f"/classes/{a.school_class.pk}/absences/"
    sent = {"action": "note", "pupil": a.pupils[0].pk, "first": first, "last": last, "reason": "illness"}
    assert enter(a.teacher, a.host).post(url, sent).status_code in (403, 404)
    future = enter(a.class_teacher, a.host).post(url, sent | {"last": date.today() + timedelta(days=3)}, follow=True)
    assert "о прошедших днях" in future.content.decode()
    other = enter(a.class_teacher, a.host).post(url, sent | {"pupil": a.pupils[3].pk}, follow=True)  # not this class
    assert "Справка внесена" not in other.content.decode()
    with schema_context(a.school.schema_name):
        assert not Attendance.objects.filter(reason="illness").exists()
    assert enter(b.class_teacher, b.host).post(url, sent).status_code in (302, 404)


def test_a_missing_reason_is_shown_as_missing_not_preselected(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    enter(a.class_teacher, a.host).post(f"/lessons/{lesson.pk}/", whole_lesson(lesson, a.pupils, cal.answer))
    page = enter(a.class_teacher, a.host).get(f"/classes/{a.school_class.pk}/absences/").content.decode()
    assert '<option value="" selected>— не указана —</option>' in page
    assert '<option value="illness" selected>' not in page


def test_the_printed_journal_pages_the_columns_and_repeats_the_names(world, enter):
    a, cal = world.a, world.calendar_a
    page = enter(a.class_teacher, a.host).get(f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    html = page.content.decode()
    with schema_context(a.school.schema_name):
        columns = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, term=cal.term).count()
    sheets = html.split('<table class="grid print-page">')[1:]
    assert len(sheets) == -(-columns // 18) > 1
    for sheet in sheets:
        assert all(p.full_name in sheet for p in a.pupils[:3])  # the class's pupils on every sheet
    assert "Прогноз" in sheets[-1] and "Прогноз" not in sheets[0]  # average and term mark on the last


def test_a_teacher_sets_the_term_marks_of_the_whole_class_in_one_action(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    browser = enter(a.class_teacher, a.host)
    sent = whole_lesson(lesson, a.pupils, cal.answer) | {f"mark_{a.pupils[1].pk}": "3"}
    browser.post(f"/lessons/{lesson.pk}/", sent)  # 5 for the first pupil, 3 for the second
    with schema_context(a.school.schema_name):
        year_ends_soon(cal)  # the running term ends in four days: its marks may be set
    url = f"/journal/{a.school_class.pk}/{cal.math.pk}/final/"
    page = browser.get(f"{url}?period={cal.term.pk}").content.decode()
    # Pre-filled from the forecast, not yet saved.
    assert f'<select name="value_{a.pupils[0].pk}"' in page and "прогноз, не сохранён" in page
    with schema_context(a.school.schema_name):
        pupils = list(a.school_class.pupils.enrolled())
    values = {f"value_{p.pk}": "" for p in pupils} | {f"value_{a.pupils[0].pk}": "5", f"value_{a.pupils[1].pk}": "4"}
    response = browser.post(url, {"period": cal.term.pk, **values}, follow=True)
    assert "Итоговые отметки сохранены: 2" in response.content.decode()
    with schema_context(a.school.schema_name):
        finals = dict(FinalMark.objects.filter(term=cal.term, subject=cal.math).values_list("pupil_id", "value"))
        assert finals == {a.pupils[0].pk: "5", a.pupils[1].pk: "4"}  # the teacher changed the forecast 3 to 4
        assert AuditEntry.objects.filter(action="final_mark.set").count() == 2
    again = browser.post(url, {"period": cal.term.pk, **values}, follow=True)  # nothing new: nothing written
    assert "Итоговые отметки сохранены: 0" in again.content.decode()
    # Another teacher of the school may not set them, for one pupil or for all.
    assert enter(a.teacher, a.host).post(url, {"period": cal.term.pk, **values}).status_code in (403, 404)


def test_a_grade_that_learns_a_subject_without_marks_gets_none_and_the_indicators_follow(world, enter):
    from monitoring.indicators import _final_marks_on_time, mark_pairs

    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    grade = a.school_class.grade
    with schema_context(a.school.schema_name):
        assert (a.school_class.pk, cal.math.pk) in mark_pairs(date.today())
        first, last = cal.closed_term.ends_on.replace(day=1), cal.closed_term.ends_on
        due_before = _final_marks_on_time(first, last, date.today())[1]
        services.set_curriculum(grade=grade, subject=cal.math, hours_per_week=3, is_marked=False, by=a.admin)
    response = enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/", whole_lesson(lesson, a.pupils, cal.answer), follow=True
    )
    assert f"в {grade} классе изучается без отметок" in response.content.decode()
    with schema_context(a.school.schema_name):
        assert not Mark.objects.filter(lesson=lesson).exists()
        assert (a.school_class.pk, cal.math.pk) not in mark_pairs(date.today())  # Q7–Q9 leave the pair out
        assert _final_marks_on_time(first, last, date.today())[1] == due_before - 1  # Q12 too


def test_staff_see_a_classes_week_and_a_colleagues_week_printable(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    week = f"?week={lesson.date:%Y-%m-%d}"
    deputy = enter(a.deputy, a.host)
    page = deputy.get(f"/timetable/classes/{a.school_class.pk}/{week}").content.decode()
    assert f"Расписание {a.school_class} класса" in page and cal.math.name in page
    assert a.class_teacher.short_name in page and "data-print" in page  # who teaches each lesson
    colleague = deputy.get(f"/timetable/teachers/{a.class_teacher.pk}/{week}").content.decode()
    assert a.class_teacher.full_name in colleague and str(a.school_class) in colleague
    assert deputy.get(f"/timetable/teachers/{world.parent.pk}/").status_code == 404


def test_who_looked_and_a_marks_history_read_as_words_not_codes(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)
    teacher = enter(a.class_teacher, a.host)
    teacher.get(f"/lessons/{lesson.pk}/")
    teacher.post(f"/lessons/{lesson.pk}/", whole_lesson(lesson, a.pupils, cal.answer))
    with schema_context(a.school.schema_name):
        mark = Mark.objects.get(lesson=lesson, pupil=a.pupils[0])
    teacher.patch(
        f"/api/v1/marks/{mark.pk}/", {"value": "4", "work_type": cal.test_work.pk}, content_type="application/json"
    )
    history = teacher.get(f"/api/v1/history/?lesson={lesson.pk}&pupil={a.pupils[0].pk}").json()
    changed = next(e for e in history["results"] if e["old"])
    assert changed["old"] == f"5, {cal.answer.name}" and changed["new"] == f"4, {cal.test_work.name}"
    parent = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/views/").content.decode()
    assert "Страница урока (учитель)" in parent and f"/lessons/{lesson.pk}/" not in parent


def test_homework_shows_under_the_day_it_is_due_and_tomorrow_on_top(world, enter):
    from diary import selectors as diary

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lessons = list(
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__gte=date.today()).order_by(
                "date", "number"
            )[:2]
        )
        set_at, due_at = lessons
        services.set_homework(set_at, text="№ 512 и 514", by=a.class_teacher)
        days = dict(diary.week(a.pupils[0], due_at.date - timedelta(days=due_at.date.weekday())))
        shown = next(lesson for lesson in days[due_at.date] if lesson.pk == due_at.pk)
        assert shown.due.pk == set_at.pk  # recorded at the lesson it was set at, due at the next one
        upcoming = diary.tomorrow(a.pupils[0], today=due_at.date - timedelta(days=1))
    assert upcoming["day"] == due_at.date
    assert any(lesson.due and lesson.due.homework == "№ 512 и 514" for lesson in upcoming["lessons"])
    week = f"/children/{a.school.slug}/{a.pupils[0].pk}/?week={due_at.date:%Y-%m-%d}"
    page = enter(world.parent).get(week).content.decode()
    assert "Задано к этому уроку" in page and "№ 512 и 514" in page


def test_three_marks_in_one_save_each_audited_and_told_cost_the_statements_of_one(world, db):
    """The lesson page's save writes its marks together: every mark keeps its audit entry and its
    family's notice, and a class's worth of marks asks the database no more than one mark does."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lessons = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, term=cal.term)
        first, second = lessons.filter(date__lte=date.today()).order_by("-date")[:2]

        def save(lesson, pupils):
            with CaptureQueriesContext(connection) as queries:
                services.record_lesson(
                    lesson,
                    school=a.school,
                    by=a.class_teacher,
                    topic="Дроби",
                    marks=[(pupil, "5", "") for pupil in pupils],
                    work_type=cal.answer,
                    request_key=uuid.uuid4(),
                )
            return len(queries)

        assert save(first, a.pupils[:1]) == save(second, a.pupils[:3])
        marks = list(Mark.objects.filter(lesson=second).order_by("pupil_id"))
        assert [m.pupil_id for m in marks] == sorted(p.pk for p in a.pupils[:3])
        audited = AuditEntry.objects.filter(action="mark.created", target_id__in=[m.pk for m in marks])
        assert sorted(audited.values_list("target_id", flat=True)) == [m.pk for m in marks]
        told = set(
            Notification.objects.filter(kind="mark", text__contains="Математика").values_list(
                "recipient_id", "pupil_id"
            )
        )
        assert {(world.parent.pk, a.pupils[0].pk), (world.other_parent.pk, a.pupils[2].pk)} <= told


def test_a_file_sent_with_a_save_that_is_refused_does_not_stay_in_storage(world, settings, tmp_path):
    """Before: the homework file was written to storage and stayed there when the save around it
    rolled back (a refusal further on), with no record naming it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings as django_settings
    from django.test import Client

    from .conftest import session_of

    settings.MEDIA_ROOT = tmp_path
    a, cal = world.a, world.calendar_a
    lesson = lesson_of(a, cal)

    # A request of its own, on its own connection: its transaction really ends (the test's never does).
    def refused_save():
        try:
            browser = Client(HTTP_HOST=a.host)
            browser.cookies[django_settings.SESSION_COOKIE_NAME] = session_of(a.class_teacher)
            sheet = SimpleUploadedFile("zadanie.pdf", b"%PDF-1.4 homework", content_type="application/pdf")
            form = {**whole_lesson(lesson, a.pupils, cal.answer, files=[sheet]), "work_type": ""}
            return browser.post(f"/lessons/{lesson.pk}/", form)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(refused_save).result()
    assert "Выберите вид работы" in response.content.decode()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
