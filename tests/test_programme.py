"""Выполнение программы: a journal's hours by the curriculum, the thematic plan and the timetable
against the lessons held, cancelled and replaced, by type of lesson; the teacher explains a
shortfall and the КТП's correction; the school's term and year report; the district's figures,
counts only. Each figure is checked against a count made here from the calendar, not from the
code under test."""

import io
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from audit.models import AuditEntry
from journal import services as journal
from journal.models import Holiday, Lesson, ProgrammeNote, Term
from journal.selectors import programme, programme_of_year, study_weeks
from monitoring.models import SchoolProgramme
from monitoring.tasks import update_school_programme


def days(first, last, weekdays):
    return [
        first + timedelta(n) for n in range((last - first).days + 1) if (first + timedelta(n)).isoweekday() in weekdays
    ]


def test_study_weeks_count_working_days_outside_holidays(world):
    cal = world.calendar_a
    # The closed term: its Monday-to-Friday days, less the holiday's that fall inside it.
    term, holiday = cal.closed_term, cal.holiday
    working = [
        d for d in days(term.starts_on, term.ends_on, {1, 2, 3, 4, 5}) if not holiday.starts_on <= d <= holiday.ends_on
    ]
    assert study_weeks(term, [holiday]) == round(len(working) / 5)
    # A term of exactly two weeks with a holiday week inside: one study week.
    with schema_context(world.a.school.schema_name):
        monday = term.starts_on - timedelta(days=term.starts_on.weekday())
        short = Term(year=cal.year, scheme="quarter", number=9, starts_on=monday, ends_on=monday + timedelta(days=13))
        week_off = Holiday(
            year=cal.year, name="x", starts_on=monday + timedelta(days=7), ends_on=monday + timedelta(days=13)
        )
        assert study_weeks(short, [week_off]) == 1


def test_the_running_terms_maths_hours_as_counted_by_hand(world, enter):
    a, cal = world.a, world.calendar_a
    today = timezone.localdate()
    term = cal.term
    held_days = days(term.starts_on, min(term.ends_on, today), {1, 3, 5})  # 5А maths: Mon, Wed, Fri
    ahead_days = days(max(term.starts_on, today + timedelta(1)), term.ends_on, {1, 3, 5})
    with schema_context(a.school.schema_name):
        lessons = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, term=term).order_by("date")
        cancelled, replaced, tested = lessons.filter(date__lte=today).order_by("-date")[:3]
        journal.cancel_lesson(cancelled, reason="Карантин", by=a.deputy)
        journal.assign_substitution(replaced, school=a.school, teacher=a.teacher, reason="illness", by=a.deputy)
    # The teacher marks a lesson as a test through the API, as the lesson page does.
    answer = enter(a.class_teacher, a.host).patch(
        f"/api/v1/lessons/{tested.pk}/", {"kind": "test"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["kind"] == "test"
    refused = enter(a.class_teacher, a.host).patch(
        f"/api/v1/lessons/{tested.pk}/", {"kind": "сочинение"}, content_type="application/json"
    )
    assert refused.status_code == 400
    with schema_context(a.school.schema_name):
        row = next(
            r for r in programme(term)["rows"] if r["school_class"] == a.school_class and r["subject"] == cal.math
        )
        weeks = round(len([d for d in days(term.starts_on, term.ends_on, {1, 2, 3, 4, 5})]) / 5)
        assert row["curriculum"] == 3 * weeks
        assert row["scheduled"] == len(held_days) + len(ahead_days)
        assert row["held"] == len(held_days) - 1
        assert row["cancelled"] == 1 and row["replaced"] == 1
        assert row["ahead"] == len(ahead_days)
        assert row["shortfall"] == max(3 * weeks - (len(held_days) - 1) - len(ahead_days), 0)
        kinds = dict(row["kinds"])
        assert kinds["контрольная работа"] == 1 and kinds["урок"] == len(held_days) - 2
        assert AuditEntry.objects.filter(action="lesson.kind", target_id=tested.pk).exists()


def test_the_teacher_explains_a_shortfall_and_others_cannot(world, enter):
    a, cal = world.a, world.calendar_a
    page = f"/journal/{a.school_class.pk}/{cal.math.pk}/programme/"
    note = {"term": cal.term.pk, "shortfall_reason": "Карантин 2 дня", "plan_correction": "Темы 14 и 15 объединены"}
    teacher = enter(a.class_teacher, a.host)
    assert teacher.post(page, {"term": cal.term.pk}, follow=True).content.decode().count("Напишите причину") == 1
    teacher.post(page, note)
    teacher.post(page, {**note, "shortfall_reason": "Карантин 3 дня"})
    with schema_context(a.school.schema_name):
        written = ProgrammeNote.objects.get()
        assert (written.shortfall_reason, written.plan_correction) == ("Карантин 3 дня", "Темы 14 и 15 объединены")
        assert AuditEntry.objects.filter(action="programme_note.written").order_by("pk").last().old == {
            "shortfall_reason": "Карантин 2 дня",
            "plan_correction": "Темы 14 и 15 объединены",
        }
    assert "Карантин 3 дня" in teacher.get(page).content.decode()
    # The deputy reads it; the Russian teacher may not write 5А maths' note, nor read it.
    assert "Карантин 3 дня" in enter(a.deputy, a.host).get(page).content.decode()
    assert enter(a.deputy, a.host).post(page, note).status_code == 404
    assert enter(a.teacher, a.host).get(page).status_code == 404
    # The same ids at school B are school B's own journal: A's note is not there.
    assert "Карантин" not in enter(world.b.deputy, world.b.host).get(page).content.decode()


def test_the_schools_report_for_a_term_and_the_year(world, enter):
    a, cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    page = deputy.get(f"/reports/programme/?period={cal.term.pk}").content.decode()
    assert "5А" in page and "Математика" in page and "Русский язык" in page
    book = load_workbook(io.BytesIO(deputy.get(f"/reports/programme/?period={cal.term.pk}&format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    with schema_context(a.school.schema_name):
        running, closed, year = (
            next(r for r in report["rows"] if r["school_class"] == a.school_class and r["subject"] == cal.math)
            for report in (programme(cal.term), programme(cal.closed_term), programme_of_year(cal.year))
        )
    maths = next(r for r in rows if r[0] == "5А" and r[1] == "Математика")
    assert maths[5] == running["held"] and maths[2] == running["curriculum"]
    # The year adds the closed term's lessons to the running one's.
    assert year["held"] == closed["held"] + running["held"] > running["held"]
    assert "учебный год" in deputy.get("/reports/programme/?period=year").content.decode()
    assert deputy.get("/reports/programme/?period=year&format=pdf").content.startswith(b"%PDF")
    # Teachers and the other school's heads do not get the school's report.
    assert enter(a.class_teacher, a.host).get("/reports/programme/").status_code in (403, 404)


def test_the_district_sees_each_schools_hours_and_no_pupil(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        update_school_programme()
        expected = programme(world.calendar_a.term)["totals"]
    figure = SchoolProgramme.objects.get(school=a.school, term=str(world.calendar_a.term))
    assert (figure.held, figure.curriculum, figure.journals) == (
        expected["held"],
        expected["curriculum"],
        expected["journals"],
    )
    page = enter(world.official).get("/district/programme/").content.decode()
    assert a.school.short_name in page and a.pupils[0].last_name not in page
    book = load_workbook(io.BytesIO(enter(world.official).get("/district/programme/?format=xlsx").content))
    assert any(r[0] == a.school.name for r in book.active.iter_rows(values_only=True))
    assert enter(world.parent).get("/district/programme/").status_code in (302, 403, 404)
