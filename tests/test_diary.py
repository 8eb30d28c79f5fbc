"""Parents and pupils read the journal as a diary; every look at a pupil's data is recorded."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import schema_context

from audit.models import AuditEntry, DataView
from journal import services
from journal.models import Lesson

TODAY = date.today()


def past_math(w, cal, n=1):
    with schema_context(w.school.schema_name):
        return list(
            Lesson.objects.filter(
                school_class=w.school_class, subject=cal.math, term=cal.term, date__lte=TODAY
            ).order_by("-date")[:n]
        )


def test_a_parent_reads_the_week_of_each_child_in_two_schools(world, enter):
    a, b = world.a, world.b
    lesson = past_math(a, world.calendar_a)[0]
    with schema_context(a.school.schema_name):
        services.set_topic(lesson, topic="Деление дробей", by=a.class_teacher)
        services.set_homework(lesson, text="№ 215, 217", by=a.class_teacher)
        services.add_mark(
            lesson,
            pupil=a.pupils[0],
            value="5",
            work_type=world.calendar_a.answer,
            comment="отлично",
            by=a.class_teacher,
        )
    portal = enter(world.parent)
    week = portal.get(f"/children/{a.school.slug}/{a.pupils[0].pk}/?week={lesson.date.isoformat()}").content.decode()
    assert "Деление дробей" in week and "№ 215, 217" in week and ">5</span>" in week and "отлично" in week
    assert b.pupils[1].full_name in week  # the switch lists the other child
    other = portal.get(f"/children/{b.school.slug}/{b.pupils[1].pk}/")
    assert other.status_code == 200 and b.pupils[1].full_name in other.content.decode()


def test_marks_show_the_hand_computed_weighted_average_and_forecast(world, enter):
    a, cal = world.a, world.calendar_a
    first, second = past_math(a, cal, 2)
    with schema_context(a.school.schema_name):
        services.add_mark(first, pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
        services.add_mark(second, pupil=a.pupils[0], value="5", work_type=cal.test_work, by=a.class_teacher)
        services.add_mark(second, pupil=a.pupils[0], value="2", work_type=cal.answer, by=a.class_teacher)
    page = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/marks/?term={cal.term.pk}")
    body = page.content.decode()
    # (4×1 + 5×2 + 2×1) / 4 = 4.00 -> forecast 4
    row = next(r for r in page.context["rows"] if r["subject"].name == "Математика")
    assert row["average"] == Decimal("4.00") and row["forecast"] == "4"
    assert "4,00" in body and "<polyline" in body


def test_attendance_shows_the_missed_lessons_topics_and_homework(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = past_math(a, cal)[0]
    with schema_context(a.school.schema_name):
        services.set_topic(lesson, topic="Пропущенная тема", by=a.class_teacher)
        services.set_homework(lesson, text="Задание на пропущенный урок", by=a.class_teacher)
        services.take_attendance(lesson, absent=[a.pupils[0]], by=a.class_teacher)
    body = (
        enter(world.parent)
        .get(f"/children/{a.school.slug}/{a.pupils[0].pk}/attendance/?term={cal.term.pk}")
        .content.decode()
    )
    assert "Пропущено уроков: 1" in body and "Пропущенная тема" in body and "Задание на пропущенный урок" in body


def test_another_familys_child_is_a_logged_404(world, enter):
    a, b = world.a, world.b
    portal = enter(world.other_parent)
    for url in (
        f"/children/{a.school.slug}/{a.pupils[0].pk}/",
        f"/children/{a.school.slug}/{a.pupils[0].pk}/marks/",
        f"/children/{b.school.slug}/{b.pupils[1].pk}/",
        f"/children/{a.school.slug}/999999/",
        f"/children/no-such-school/{a.pupils[2].pk}/",
    ):
        assert portal.get(url).status_code == 404, url
    assert AuditEntry.objects.filter(action="diary.denied", actor=world.other_parent).count() == 5
    assert portal.get(f"/children/{a.school.slug}/{a.pupils[2].pk}/").status_code == 200  # their own child
    for user in (a.class_teacher, world.official):
        assert enter(user).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/").status_code in (302, 403)


def test_a_pupil_reads_their_own_diary_at_the_school_address(world, enter):
    a, _cal = world.a, world.calendar_a
    browser = enter(a.pupil_user, a.host)
    page = browser.get("/diary/")
    assert page.status_code == 200 and a.pupils[0].full_name in page.content.decode()
    assert browser.get("/diary/marks/").status_code == 200
    assert enter(a.class_teacher, a.host).get("/diary/").status_code == 403
    assert enter(a.pupil_user, world.b.host).get("/diary/").status_code == 302  # not a pupil of school B


def test_every_view_of_a_pupils_data_is_recorded_and_shown_to_the_parent(world, enter):
    a, cal = world.a, world.calendar_a
    enter(a.class_teacher, a.host).get(f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    enter(a.deputy, a.host).get(f"/classes/{a.school_class.pk}/")
    enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/")
    with schema_context(a.school.schema_name):
        viewers = set(DataView.objects.filter(pupil_ids__contains=[a.pupils[0].pk]).values_list("viewer", flat=True))
    assert {a.class_teacher.pk, a.deputy.pk, world.parent.pk} <= viewers
    page = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/views/").content.decode()
    assert a.class_teacher.full_name in page and a.deputy.full_name in page
    # Another pupil's views are not this pupil's.
    other = enter(world.other_parent).get(f"/children/{a.school.slug}/{a.pupils[2].pk}/views/").content.decode()
    assert world.parent.full_name not in other


def test_homework_files_reach_the_family_only(world, enter, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    a, cal = world.a, world.calendar_a
    lesson = past_math(a, cal)[0]
    with schema_context(a.school.schema_name):
        services.set_homework(lesson, text="См. файл", by=a.class_teacher)
        attached = services.attach_homework_file(
            lesson, SimpleUploadedFile("карточка.pdf", b"%PDF-1.4"), school=a.school, by=a.class_teacher
        )
    url = f"/children/{a.school.slug}/{a.pupils[0].pk}/files/{lesson.pk}/{attached.pk}/"
    assert enter(world.parent).get(url).status_code == 200
    assert enter(world.other_parent).get(url).status_code == 404
    assert (
        enter(world.other_parent)
        .get(f"/children/{a.school.slug}/{a.pupils[2].pk}/files/{lesson.pk}/{attached.pk + 1}/")
        .status_code
        == 404
    )
    assert enter(a.pupil_user, a.host).get(f"/diary/files/{lesson.pk}/{attached.pk}/").status_code == 200
    assert enter().get(url).status_code == 302


def test_the_diary_api_answers_a_parent_about_their_own_children_only(world, enter):
    a, cal = world.a, world.calendar_a
    lesson = past_math(a, cal)[0]
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="4", work_type=cal.test_work, by=a.class_teacher)
    api = enter(world.parent)
    week = api.get(f"/api/v1/children/{a.school.slug}/{a.pupils[0].pk}/week/?week={lesson.date.isoformat()}").json()
    marks = [m for day in week["days"] for day_lesson in day["lessons"] for m in day_lesson["marks"]]
    assert marks == [{"value": "4", "work_type": "Контрольная работа", "weight": "2.0", "comment": ""}]
    subjects = api.get(f"/api/v1/children/{a.school.slug}/{a.pupils[0].pk}/marks/").json()["subjects"]
    assert next(s for s in subjects if s["subject"] == "Математика")["average"] == "4.00"
    assert enter(world.other_parent).get(f"/api/v1/children/{a.school.slug}/{a.pupils[0].pk}/week/").status_code == 404
    assert enter(a.class_teacher, a.host).get("/api/v1/diary/week/").status_code == 403
    assert enter(a.pupil_user, a.host).get("/api/v1/diary/marks/").status_code == 200


def test_the_class_teacher_prints_a_weekly_report_one_page_per_pupil(world, enter):
    import io

    from pypdf import PdfReader

    a, cal = world.a, world.calendar_a
    lesson = past_math(a, cal)[0]
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.test_work, by=a.class_teacher)
    response = enter(a.class_teacher, a.host).get(
        f"/classes/{a.school_class.pk}/weekly-report/?week={lesson.date.isoformat()}"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 3  # three pupils in 5А
    first = pages[0].extract_text()
    assert a.pupils[0].full_name in first and "Математика" in first and "5 (" in first and "Пропущено уроков" in first
    assert enter(a.teacher, a.host).get(f"/classes/{a.school_class.pk}/weekly-report/").status_code == 403
    # The same id at school B's address is school B's own class: its report holds none of school A's pupils.
    other = enter(world.b.class_teacher, world.b.host).get(f"/classes/{a.school_class.pk}/weekly-report/")
    other_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(other.content)).pages)
    assert "Бета" in other_text and "Альфа" not in other_text
    assert enter(a.class_teacher, world.b.host).get(f"/classes/{a.school_class.pk}/weekly-report/").status_code == 302


def test_a_family_reads_the_classs_thematic_plan_with_what_is_already_covered(world, enter, lesson):
    a, b, cal = world.a, world.b, world.calendar_a
    with schema_context(a.school.schema_name):
        plan = services.save_plan(
            subject=cal.math,
            school_class=a.school_class,
            year=cal.year,
            topics=[("Обыкновенные дроби", 2, lesson.date), ("Десятичные дроби", 3, None)],
            by=a.class_teacher,
        )
        first = plan.topics.get(position=1)
        services.set_topic(lesson, topic=first.title, planned_topic=first, by=a.class_teacher)
    with schema_context(b.school.schema_name):
        services.save_plan(
            subject=world.calendar_b.math, school_class=b.school_class, year=world.calendar_b.year,
            topics=[("Тема школы Бета", 1)], by=b.class_teacher,
        )  # fmt: skip
    page = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/plan/").content.decode()
    assert "Обыкновенные дроби" in page and f"{lesson.date:%d.%m.%Y}</td>\n  <td>{lesson.date:%d.%m.%Y}" in page
    assert "Десятичные дроби" in page and "Тема школы Бета" not in page
    assert enter(world.other_parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/plan/").status_code == 404
    own = enter(a.pupil_user, a.host).get("/diary/plan/").content.decode()
    assert "Обыкновенные дроби" in own and "Тематическое планирование" in own


def test_the_week_pages_tomorrow_card_is_what_tomorrow_reads_on_every_day_of_the_week(world):
    """The card takes the next school day's lessons from the week being shown when they are in it:
    on each day from the Sunday before to the Sunday after (Saturday's next day is next week's),
    and for a week browsed ahead or back, it is what reading them alone gives."""
    from datetime import timedelta

    from diary import selectors as diary

    a, cal = world.a, world.calendar_a
    pupil = a.pupils[0]
    monday = TODAY - timedelta(days=TODAY.weekday())
    with schema_context(a.school.schema_name):
        services.set_homework(
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=monday).latest("date"),
            text="№ 7",
            by=a.class_teacher,
        )
        this_week = Lesson.objects.filter(school_class=a.school_class, date__gt=monday).order_by("date", "number")
        if this_week.exists():  # none in a week of the holidays
            services.cancel_lesson(this_week.first(), reason="Болезнь учителя", by=a.deputy)

        def seen(card):
            return card and (card["day"], [(x.pk, x.due and x.due.pk) for x in card["lessons"]])

        for shown in (monday - timedelta(days=7), monday, monday + timedelta(days=7)):
            days = diary.week(pupil, shown)
            for n in range(-1, 8):
                today = monday + timedelta(days=n)
                assert seen(diary.tomorrow(pupil, today, days=days)) == seen(diary.tomorrow(pupil, today)), today
