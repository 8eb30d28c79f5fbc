"""The exact readings of shared/docs/indicators.md, one hand-built month each, numerator and
denominator asserted. Each of these failed before its reading was followed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal import services
from journal.models import Holiday, Lesson, Mark
from monitoring.indicators import by_class, by_teacher, compute, held_lessons, month_bounds
from monitoring.models import colour, figure, percent

from .conftest import audit_rewritable, year_ends_soon
from .test_indicators import at, report_day

LESSON_CODES = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q6_3days", "Q16", "Q17")
CLASS_CODES = ("Q7", "Q8", "Q9", "Q12", "Q14", "Q15")


def levels_agree(month, today):
    """The school's figures, after checking that its teachers' and its classes' figures add up to
    them (every lesson has one conductor and one class, every pupil one class)."""
    school = compute(month, today=today)
    teachers, classes = by_teacher(month, today), by_class(month, today)
    for per, codes in ((teachers, LESSON_CODES), (classes, LESSON_CODES + CLASS_CODES)):
        for code in codes:
            assert tuple(map(sum, zip(*(figures[code] for figures in per.values()), strict=True))) == school[code], code
    return school


def maths_of(w, cal, first, last, today):
    return list(held_lessons(first, last, today).filter(school_class=w.school_class, subject=cal.math).order_by("date"))


@pytest.mark.parametrize("holiday_row", [True, False], ids=["a-holiday", "days-no-term-covers"])
def test_a_month_that_ends_in_a_break_keeps_its_pupil_subject_pairs(world, db, holiday_row):
    """Readings 2 and 12: the term ends three days before the month does and a break follows,
    a holiday row or simply days no term covers; Q7–Q9 are judged on the month's last school
    day, inside the term. (Before, the break without a holiday row gave Q7–Q9 as 0/0.)"""
    b, cal = world.b, world.calendar_b
    first, last = month_bounds(report_day(cal.term))
    with schema_context(b.school.schema_name):
        cal.term.__class__.objects.filter(pk=cal.term.pk).update(ends_on=last - timedelta(days=3))
        if holiday_row:
            Holiday.objects.create(
                year=cal.year, name="Каникулы", starts_on=last - timedelta(days=2), ends_on=last + timedelta(days=6)
            )
        # the month's first maths lesson of the running term (its start may fall in the month)
        lesson = next(m for m in maths_of(b, cal, first, last, last + timedelta(days=1)) if m.term_id == cal.term.pk)
        Mark.objects.create(
            lesson=lesson,
            pupil=b.pupils[0],
            value="5",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(lesson.date, 12),
        )
        result = levels_agree(first, last + timedelta(days=1))
    # 5А: 3 pupils × maths and Russian, 6Б: 1 pupil × maths; one pair has its one mark.
    assert result["Q7"] == (6, 7)
    assert result["Q8"] == (1, 7)
    assert result["Q9"][1] == 7


def test_a_deleted_mark_is_not_counted_and_its_replacement_is(world, db):
    """Reading 9: Q6 counts the marks that exist at the cut-off, by their first entry; both figures."""
    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        lesson = maths_of(b, cal, first, last, today)[0]
        deleted = Mark.objects.create(
            lesson=lesson,
            pupil=b.pupils[0],
            value="2",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(lesson.date, 11),
        )
        Mark.objects.filter(pk=deleted.pk).update(deleted_at=at(lesson.date, 12))
        Mark.objects.create(
            lesson=lesson,
            pupil=b.pupils[0],
            value="3",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(lesson.date + timedelta(days=2), 9),
        )
        result = levels_agree(today, today)
    assert result["Q6"] == (0, 1)  # the one mark standing came two days late
    assert result["Q6_3days"] == (1, 1)  # but within three days


def test_a_record_changed_twice_late_counts_once(world, db):
    """Reading 21: records of held lessons, deleted ones included; late = changed or deleted on or
    after the fourth day after the lesson, once per record; a reason is not a correction."""
    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        l1, l2 = maths_of(b, cal, first, last, today)[:2]
        changed = Mark.objects.create(
            lesson=l1,
            pupil=b.pupils[0],
            value="4",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(l1.date, 12),
        )
        services.take_attendance(l2, absent=[b.pupils[1]], by=b.class_teacher)
        absence = l2.attendance.get()
        for days, action, target in (
            (4, "mark.changed", changed.pk),
            (6, "mark.changed", changed.pk),
            (2, "attendance.changed", absence.pk),
            (9, "attendance.reason", absence.pk),
        ):
            lesson = l1 if action.startswith("mark") else l2
            AuditEntry.objects.create(
                actor=b.class_teacher,
                action=action,
                target_type=f"journal.{action.split('.')[0]}",
                target_id=target,
                at=at(lesson.date + timedelta(days=days), 9),
            )
        # A cancelled lesson was not held: its mark, changed late, is in neither part.
        cancelled = maths_of(b, cal, first, last, today)[2]
        stray = Mark.objects.create(
            lesson=cancelled,
            pupil=b.pupils[2],
            value="5",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(cancelled.date, 12),
        )
        AuditEntry.objects.create(
            actor=b.class_teacher,
            action="mark.changed",
            target_type="journal.mark",
            target_id=stray.pk,
            at=at(cancelled.date + timedelta(days=8), 9),
        )
        Lesson.objects.filter(pk=cancelled.pk).update(cancelled_at=at(cancelled.date, 7))
        result = levels_agree(today, today)
    assert result["Q16"] == (1, 2)


def test_homework_not_set_is_in_neither_part_of_q3(world, db):
    """Reading 7: only real homework; on time up to an hour after the class's last lesson that day."""
    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        l1, l2, l3 = maths_of(b, cal, first, last, today)[:3]
        Lesson.objects.filter(pk=l1.pk).update(homework="§ 1", homework_entered_at=at(l1.date, 9))
        Lesson.objects.filter(pk=l2.pk).update(homework_none=True, homework_entered_at=at(l2.date, 9))
        Lesson.objects.filter(pk=l3.pk).update(homework="§ 3", homework_entered_at=at(l3.date + timedelta(days=1), 9))
        result = levels_agree(today, today)
    assert result["Q3"] == (1, 2)
    assert result["Q2"][0] == 3  # "not set" is still a filled-in homework field (Q2)


def test_the_diary_opened_through_the_api_counts_for_parents_and_pupils(world, enter):
    """Readings 19 and 20: a parent or a pupil who opened the diary by the API took part."""
    from django.utils import timezone

    b = world.b
    today = timezone.localdate()
    assert enter(world.parent).get(f"/api/v1/children/{b.school.slug}/{b.pupils[1].pk}/week/").status_code == 200
    assert enter(b.pupil_user, b.host).get("/api/v1/diary/marks/").status_code == 200
    with schema_context(b.school.schema_name):
        result = compute(today, today=today + timedelta(days=1))
    assert result["Q13"] == (1, 1)
    assert result["Q15"] == (1, 1)


def test_percentages_round_half_up_and_colours_compare_the_exact_share():
    """Reading 23."""
    assert percent(1, 16) == 6.3 and percent(1, 8) == 12.5 and percent(2, 3) == 66.7 and percent(0, 0) is None
    limits = {"Q1": (Decimal("90"), Decimal("80")), "Q7": (Decimal("2"), Decimal("5"))}
    shown = figure("Q1", 8996, 10000, limits)
    assert shown["percent"] == 90.0 and shown["colour"] == "amber"  # 89.96 % is below 90 %
    assert figure("Q7", 201, 10000, limits)["colour"] == "amber"  # 2.01 % is above 2 %, lower is better
    assert colour("Q1", None, limits) == "" and figure("Q1", 0, 0, limits)["colour"] == ""


def test_per_teacher_figures_follow_the_substitute(world, enter):
    """Reading 11: a lesson belongs to the substitute when a substitution is recorded."""
    a, cal = world.a, world.calendar_a
    from django.utils import timezone

    today = timezone.localdate()
    first, last = month_bounds(today)
    with schema_context(a.school.schema_name):
        lessons = list(held_lessons(first, last, today).filter(school_class=a.school_class, subject=cal.math))
        if len(lessons) < 2:  # early in a month: take last month's, where the class teacher keeps a lesson
            first, last = month_bounds(first - timedelta(days=1))
            lessons = list(held_lessons(first, last, today).filter(school_class=a.school_class, subject=cal.math))
        substituted = next(lesson for lesson in lessons if lesson.term_id == cal.term.pk)  # the closed term is locked
        services.assign_substitution(substituted, school=a.school, teacher=a.teacher, reason="illness", by=a.deputy)
        Lesson.objects.filter(pk=substituted.pk).update(topic="Замена", topic_entered_at=at(substituted.date, 10))
    page = enter(a.deputy, a.host).get(f"/quality/?month={first:%Y-%m}").content.decode()
    teachers = page[page.index("По учителям") : page.index("По классам")]

    def row_of(user):
        row = teachers[teachers.index(f'<td class="sticky">{user.full_name}</td>') :]
        return row[: row.index("</tr>")]

    assert 'title="1 / ' in row_of(a.teacher)  # the substitute's row holds the lesson with a topic
    assert f'title="0 / {len(lessons) - 1}"' in row_of(a.class_teacher)


def test_the_school_page_shows_marks_within_three_days(world, enter):
    """Reading 9: both Q6 figures are shown."""
    a = world.a
    page = enter(a.deputy, a.host).get("/quality/").content.decode()
    assert "Отметки в течение 3 дней" in page


def test_not_assessed_is_a_final_mark_entered_like_any_other(world, enter):
    """Reading 18: "н/а" (and "осв.") are on the final-mark scale; Q12 counts them as final marks."""
    from journal.models import FinalMark, Pupil
    from monitoring.indicators import _final_marks_on_time

    a, b, cal = world.a, world.b, world.calendar_b
    with schema_context(a.school.schema_name):
        year_ends_soon(world.calendar_a)
    teacher = enter(a.class_teacher, a.host)
    for value in ("н/а", "осв."):
        answer = teacher.post(
            "/api/v1/final-marks/",
            {"pupil": a.pupils[0].pk, "subject": world.calendar_a.math.pk, "value": value},
            content_type="application/json",
        )
        assert answer.status_code == 201 and answer.json()["value"] == value
    assert (
        teacher.post(
            "/api/v1/final-marks/",
            {"pupil": a.pupils[0].pk, "subject": world.calendar_a.math.pk, "value": "6"},
            content_type="application/json",
        ).status_code
        == 400
    )
    term = cal.closed_term
    first, last = month_bounds(term.ends_on)
    with schema_context(b.school.schema_name):
        pupils = list(Pupil.objects.filter(school_class=b.school_class))
        for pupil, value in zip(pupils, ["н/а", "4", "5"], strict=True):
            FinalMark.objects.create(
                pupil=pupil,
                subject=cal.math,
                school_class=b.school_class,
                year=cal.year,
                term=term,
                value=value,
                entered_by=b.class_teacher,
                entered_at=at(term.ends_on + timedelta(days=1), 12),
            )
        assert _final_marks_on_time(first, last, date.today()) == (
            1,
            3,
            0,
        )  # 5А maths complete; 5А Russian and 6Б maths not


def test_a_published_month_stays_as_published_and_a_correction_is_a_new_version(world, enter):
    """Reading 3: late entries after publication change neither the school's published figures
    nor the district's row; a correction needs a reason and reaches the district as version 2."""
    from django.utils import timezone

    from monitoring.models import Report, SchoolMonth
    from monitoring.reports import make_quality_reports
    from monitoring.tasks import update_school_month

    a = world.a
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    first, last = month_bounds(month)
    with schema_context(a.school.schema_name):
        update_school_month(month.isoformat())
    make_quality_reports(month, by=world.official)
    published = SchoolMonth.objects.get(school=a.school, month=month, code="Q1")
    assert published.denominator > 0
    with schema_context(a.school.schema_name):  # a topic written in after publication
        late = held_lessons(first, last, timezone.localdate()).filter(topic="").first()
        Lesson.objects.filter(pk=late.pk).update(topic="Поздняя тема", topic_entered_at=timezone.now())
        update_school_month(month.isoformat())  # the nightly job: a published month stays
    assert SchoolMonth.objects.get(pk=published.pk).numerator == published.numerator
    deputy = enter(a.deputy, a.host)
    page = deputy.get(f"/quality/?month={month:%Y-%m}").content.decode()
    assert "Месяц опубликован" in page
    assert f'title="{published.numerator} / {published.denominator}"' in page  # published
    assert f'title="{published.numerator + 1} / {published.denominator}"' in page  # now
    # "Recompute and send" without a reason changes nothing; with one it is version 2.
    deputy.post(f"/quality/?month={month:%Y-%m}", {"reason": ""})
    assert SchoolMonth.objects.get(pk=published.pk).numerator == published.numerator
    deputy.post(f"/quality/?month={month:%Y-%m}", {"reason": "Внесены пропущенные темы уроков"})
    assert SchoolMonth.objects.get(pk=published.pk).numerator == published.numerator + 1
    correction = Report.objects.get(kind="quality", school=a.school, starts_on=month, version=2)
    assert correction.reason == "Внесены пропущенные темы уроков"
    assert correction.data["schools"][0]["cells"]["Q1"]["numerator"] == published.numerator + 1
    assert AuditEntry.objects.filter(action="quality.corrected", target_id=correction.pk, actor=a.deputy).exists()
    dashboard = enter(world.official).get(f"/district/quality/?month={month:%Y-%m}").content.decode()
    assert "исправлено, версия 2" in dashboard


def test_drill_downs_show_every_indicator_with_a_teacher_or_a_class_meaning(world, enter):
    """Reading 11: per teacher Q1–Q6 (both Q6 figures), Q10, Q16, Q17; per class Q1–Q9, Q12, Q14, Q15,
    each with its own numerator and denominator."""
    from django.utils import timezone

    a = world.a
    # This month, counted as at its last day: the world's parents were linked when it was built
    # (so an earlier month has none), and every subject of 5А has lessons by then, on any date.
    month = timezone.localdate().replace(day=1)
    today = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    page = enter(a.deputy, a.host).get(f"/quality/?month={month:%Y-%m}")
    titles = {title: [code for code, *_ in codes] for title, codes, rows in page.context["breakdowns"]}
    assert titles["По учителям"] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q6_3days", "Q10", "Q16", "Q17"]
    assert titles["По классам"] == [
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "Q5",
        "Q6",
        "Q6_3days",
        "Q7",
        "Q8",
        "Q9",
        "Q12",
        "Q14",
        "Q15",
    ]
    with schema_context(a.school.schema_name):
        teachers, classes = by_teacher(month, today), by_class(month, today)
    # 5А: three pupils, one with an account and a parent (the first) — the other two: the second
    # has none, the third has the other family's parent.
    assert classes[a.school_class.pk]["Q14"] == (2, 3)
    assert classes[a.school_class.pk]["Q15"][1] == 1
    # 5А × maths and Russian, 3 pupils each, no marks yet: every pair without a mark.
    assert classes[a.school_class.pk]["Q7"] == (6, 6)
    # The class teacher has no teaching-load row here: no Q10 to count; the lessons are theirs.
    assert teachers[a.class_teacher.pk]["Q10"] == (0, 0)
    assert teachers[a.class_teacher.pk]["Q1"][1] + teachers[a.teacher.pk]["Q1"][1] == sum(
        figures["Q1"][1] for figures in classes.values()
    )


def test_taking_part_means_writing_in_the_journal_and_a_substitution_counts_from_the_first_entry(world, db):
    """Readings 16 and 22: a substitution record is not a journal entry; Q17's "recorded when
    entered" compares with the lesson's first entry of any kind, homework included."""
    from journal.models import TeachingLoad

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        TeachingLoad.objects.create(teacher=b.teacher, subject=cal.math, school_class=b.school_class, hours_per_week=3)
        l1, l2 = maths_of(b, cal, first, last, today)[:2]
        AuditEntry.objects.create(
            actor=b.teacher,
            action="lesson.substitution",
            target_type="journal.lesson",
            target_id=l1.pk,
            at=at(l1.date, 8),
        )
        # l1: homework at 9, the substitution only at 10; l2: substitution first, then the topic.
        Lesson.objects.filter(pk=l1.pk).update(
            taught_by=b.teacher,
            homework="§ 2",
            homework_entered_at=at(l1.date, 9),
            substitution_recorded_at=at(l1.date, 10),
        )
        Lesson.objects.filter(pk=l2.pk).update(
            taught_by=b.teacher, substitution_recorded_at=at(l2.date, 8), topic="Тема", topic_entered_at=at(l2.date, 9)
        )
        result = levels_agree(today, today)
    assert result["Q10"] == (0, 1)
    assert result["Q17"] == (1, 2)


def test_planned_dates_are_typed_imported_or_spread_and_follow_the_timetable(world, enter):
    """Reading 17: every topic has a planned date; Q11 counts topics due by the month's end,
    matched from a held lesson; a topic due later but covered early is in neither part."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from journal.models import PlannedTopic, ThematicPlan, TimetableSlot

    a, cal = world.a, world.calendar_a
    today = timezone.localdate()
    url = f"/plans/{a.school_class.pk}/{cal.math.pk}/"
    teacher = enter(a.class_teacher, a.host)
    with schema_context(a.school.schema_name):
        coming = list(
            Lesson.objects.filter(
                school_class=a.school_class, subject=cal.math, date__gte=today, cancelled_at__isnull=True
            )
            .order_by("date", "number")
            .values_list("date", flat=True)
        )
        held = list(Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=today))
    past, typed, later = held[-1], held[-1].date, coming[-1]  # `later` is in a later month than today's
    teacher.post(url, {"topics": f"Дроби; 1; {typed:%d.%m.%Y}\nПроценты; 2\nУравнения; 1\nНеравенства; 1; 99.99.2026"})
    with schema_context(a.school.schema_name):
        assert not ThematicPlan.objects.filter(school_class=a.school_class, subject=cal.math).exists()  # a bad date
    teacher.post(
        url, {"topics": f"Дроби; 1; {typed:%d.%m.%Y}\nПроценты; 2\nУравнения; 1\nИтоговая работа; 1; {later:%d.%m.%Y}"}
    )
    with schema_context(a.school.schema_name):
        topics = list(PlannedTopic.objects.filter(plan__school_class=a.school_class).order_by("position"))
        assert [(t.due_on, t.due_on_typed) for t in topics] == [
            (typed, True),
            (coming[1], False),
            (coming[2], False),
            (later, True),
        ]
        # The timetable changes: the Monday lessons go from today on; the spread dates follow.
        monday = TimetableSlot.objects.get(school_class=a.school_class, subject=cal.math, weekday=1, valid_to=None)
        services.end_slot(monday, last_day=today - timedelta(days=1), by=a.deputy)
        left = list(
            Lesson.objects.filter(
                school_class=a.school_class, subject=cal.math, date__gte=today, cancelled_at__isnull=True
            )
            .order_by("date", "number")
            .values_list("date", flat=True)
        )
        assert [t.due_on for t in PlannedTopic.objects.filter(pk__in=[t.pk for t in topics]).order_by("position")] == [
            typed,
            left[1],
            left[2],
            later,
        ]
        # Q11 of the month: "Дроби" is due (typed in the past) and taught; "Уравнения" taught early
        # counts when it falls due in the month; "Итоговая работа", due in a later month, is taught early.
        Lesson.objects.filter(pk=past.pk).update(planned_topic=topics[0])
        Lesson.objects.filter(pk=held[-2].pk).update(planned_topic=topics[2])
        Lesson.objects.filter(pk=held[-3].pk).update(planned_topic=topics[3])
        month = typed.replace(day=1)
        result = compute(month, today=today)
    end = month_bounds(month)[1]
    assert later > end
    assert result["Q11"] == (1 + (left[2] <= end), 1 + (left[1] <= end) + (left[2] <= end))
    # Imported: a "Дата" column gives the planned date as it is.
    csv = (
        f"Тема;Часов;Дата\nДроби;1;{typed:%d.%m.%Y}\nПроценты;2;\nУравнения;1;\n"
        f"Итоговая работа;1;{later:%d.%m.%Y}\nПовторение;1;{left[-1]:%d.%m.%Y}\n"
    )
    teacher.post(url, {"file": SimpleUploadedFile("plan.csv", csv.encode())})
    with schema_context(a.school.schema_name):
        last_topic = PlannedTopic.objects.filter(plan__school_class=a.school_class, title="Повторение").get()
        assert last_topic.due_on == left[-1] and last_topic.due_on_typed


def test_the_accumulation_norm_is_prorated_by_school_days_and_rounded_half_up(world, db):
    """Reading 14: norm × (school days of the term so far) / (all school days of the term), half up;
    a day is chosen where counting calendar days and rounding down would say otherwise."""
    from fractions import Fraction

    from journal.models import CurriculumItem
    from monitoring.indicators import mark_pairs

    b, cal = world.b, world.calendar_b
    term = cal.term
    with schema_context(b.school.schema_name):
        assert CurriculumItem.objects.get(grade=5, subject=cal.math).hours_per_week == 3  # 7 marks a term
        holidays = list(Holiday.objects.all())

        def school_days(start, end):
            return sum(
                1
                for n in range((end - start).days + 1)
                if (start + timedelta(days=n)).isoweekday() != 7
                and not any(h.starts_on <= start + timedelta(days=n) <= h.ends_on for h in holidays)
            )

        total = school_days(term.starts_on, term.ends_on)
        for offset in range(5, (term.ends_on - term.starts_on).days):
            until = term.starts_on + timedelta(days=offset)
            by_reading = int(Fraction(7 * school_days(term.starts_on, until), total) + Fraction(1, 2))
            by_calendar = 7 * (offset + 1) // ((term.ends_on - term.starts_on).days + 1)
            if by_reading > by_calendar and until.isoweekday() != 7:
                break
        lessons = list(
            Lesson.objects.filter(
                term=term, school_class=b.school_class, subject=cal.math, date__lte=until, cancelled_at__isnull=True
            ).order_by("date")
        )
        for lesson in lessons[:by_calendar]:  # enough by calendar days, one short by the reading
            Mark.objects.create(
                lesson=lesson,
                pupil=b.pupils[0],
                value="4",
                work_type=cal.answer,
                entered_by=b.class_teacher,
                entered_at=at(lesson.date, 12),
            )
        row = mark_pairs(until)[(b.school_class.pk, cal.math.pk)]
    assert by_reading > by_calendar and len(lessons) >= by_calendar
    assert row["pairs"] == 3 and row["accumulated"] == 0  # calendar days and rounding down would say 1


def test_a_substitution_the_deputy_assigned_counts_as_recorded_when_entered(world, db):
    """Reading 22 with the deputy's assignment: recorded before the substitute's first entry."""
    from django.utils import timezone

    b, cal = world.b, world.calendar_b
    today = timezone.localdate()
    with schema_context(b.school.schema_name):
        lesson = Lesson.objects.filter(
            school_class=b.school_class, subject=cal.math, term=cal.term, date__lt=today
        ).last()
        services.assign_substitution(lesson, school=b.school, teacher=b.teacher, reason="course", by=b.deputy)
        services.set_topic(lesson, topic="Повторение", by=b.teacher)
        result = compute(lesson.date, today=today + timedelta(days=1))
        teachers = by_teacher(lesson.date, today)
    assert result["Q17"] == (1, 1)
    assert teachers[b.teacher.pk]["Q17"] == (1, 1)
    # early in a month the class teacher may have no other lesson in it, and so no row
    assert teachers.get(b.class_teacher.pk, {"Q17": (0, 0)})["Q17"] == (0, 0)


def test_pairs_are_the_pupils_enrolled_at_the_month_end_times_the_grades_marked_curriculum(world, db):
    """Reading 13: a marked subject of the curriculum forms pairs before its first lesson; an
    unmarked one never does; a pupil who left before the month's end is not counted, one who left
    after it is."""
    from journal.models import CurriculumItem, Pupil, Subject
    from monitoring.indicators import mark_pairs

    b, cal = world.b, world.calendar_b
    until = report_day(cal.term)
    with schema_context(b.school.schema_name):
        chemistry = Subject.objects.create(name="Химия")
        CurriculumItem.objects.create(grade=5, subject=chemistry, hours_per_week=2)
        CurriculumItem.objects.create(grade=5, subject=cal.music, hours_per_week=1)
        Pupil.objects.filter(pk=b.pupils[1].pk).update(withdrawn_on=until - timedelta(days=1))
        Pupil.objects.filter(pk=b.pupils[2].pk).update(withdrawn_on=until + timedelta(days=1))
        rows = mark_pairs(until)
    assert rows[(b.school_class.pk, chemistry.pk)]["pairs"] == 2  # no lesson yet, still two pairs
    assert rows[(b.school_class.pk, chemistry.pk)]["without"] == 2
    assert (b.school_class.pk, cal.music.pk) not in rows  # not marked: no pairs
    assert rows[(b.school_class.pk, cal.math.pk)]["pairs"] == 2  # the one who left is out
    assert rows[(b.other_class.pk, cal.math.pk)]["pairs"] == 1


def test_families_are_counted_as_they_stood_at_the_month_end(world, db):
    """Readings 19 and 20: a parent whose link ended after the month still counts for it; one
    linked after the month does not; a pupil who left after the month is still a pupil of it."""
    from django.utils import timezone

    from journal.models import Guardian, Pupil

    a = world.a
    today = timezone.localdate()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first, last = month_bounds(month)
    with schema_context(a.school.schema_name):
        Guardian.objects.filter(pupil=a.pupils[0]).update(consent_at=at(first, 9))
        Guardian.objects.filter(pupil=a.pupils[2]).update(consent_at=at(last + timedelta(days=1), 9))  # after
        Guardian.objects.filter(pupil=a.pupils[0]).update(ended_at=at(last + timedelta(days=2), 9))
        Pupil.objects.filter(pk=a.pupils[1].pk).update(withdrawn_on=last + timedelta(days=1))
        result = compute(month, today=today)
    assert result["Q14"] == (1, 4)  # 5А's three and 6Б's one; only the first had a parent linked by then
    assert result["Q13"][1] == 1


def test_a_pupil_transferred_after_the_month_counts_in_the_class_they_were_in(world, db):
    """Reading 13: "enrolled at the month's end" — in the class of that day, by the transfer orders."""
    from journal.models import Pupil
    from monitoring.indicators import mark_pairs

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        before = mark_pairs(today)
        services.transfer_pupil(
            Pupil.objects.get(pk=b.pupils[0].pk),
            to_class=b.other_class,
            on=last + timedelta(days=1),
            order_number="15-у",
            order_date=min(last, date.today()),  # an order is never dated in the future
        )
        after = mark_pairs(today)
        classes = by_class(today, today)
    assert after[(b.school_class.pk, cal.math.pk)]["pairs"] == before[(b.school_class.pk, cal.math.pk)]["pairs"] == 3
    assert after[(b.other_class.pk, cal.math.pk)]["pairs"] == 1
    assert classes[b.school_class.pk]["Q14"][1] == 3 and classes[b.other_class.pk]["Q14"][1] == 1


def test_all_present_is_an_entry_and_a_lesson_is_recorded_on_its_day_in_the_schools_time(world, db):
    """Readings 5, 8 and 1: marks without an explicit attendance are not an attendance entry; Q5
    needs topic and attendance by the end of the lesson day (a topic set before counts), in
    Moscow time: 23:30 there is still the lesson day, 00:30 is not."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    moscow = ZoneInfo("Europe/Moscow")
    with schema_context(b.school.schema_name):
        l1, l2, l3 = maths_of(b, cal, first, last, today)[:3]
        Mark.objects.create(
            lesson=l1,
            pupil=b.pupils[0],
            value="5",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(l1.date, 12),
        )  # marks, no attendance
        Lesson.objects.filter(pk=l2.pk).update(  # topic the day before, "all present" at 23:30 Moscow
            topic="Тема",
            topic_entered_at=at(l2.date - timedelta(days=1), 18),
            attendance_taken_at=dt.combine(l2.date, dt.min.time(), moscow) + timedelta(hours=23, minutes=30),
        )
        Lesson.objects.filter(pk=l3.pk).update(  # attendance at 00:30 Moscow the next day
            topic="Тема",
            topic_entered_at=at(l3.date, 10),
            attendance_taken_at=dt.combine(l3.date, dt.min.time(), moscow) + timedelta(days=1, minutes=30),
        )
        total = held_lessons(first, last, today).count()
        result = levels_agree(today, today)
    assert result["Q4"] == (2, total)  # l2 and l3; l1's marks are not an attendance entry
    assert result["Q5"] == (1, total)  # only l2


def test_a_pupil_account_made_after_the_month_is_not_counted_for_it(world, db):
    """Reading 20: pupils with an account by the month's end."""
    from django.utils import timezone

    b = world.b
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    with schema_context(b.school.schema_name):
        before = compute(month)["Q15"]
        with audit_rewritable():
            AuditEntry.objects.filter(action="pupil.account_linked", target_id=b.pupils[0].pk).update(
                at=at(month_bounds(month)[1], 12)
            )
        after = compute(month)["Q15"]
    assert before == (0, 0)  # the world's pupil account was linked today, after that month
    assert after == (0, 1)


def test_term_marks_still_within_their_deadline_are_pending_not_late(world, db):
    """Положение 4.8 gives two days after a term for its marks. A term ending on the month's last
    day: before, on the 1st its pairs counted as due and Q12 read 0 %; now they wait."""
    from monitoring.indicators import PENDING

    b, cal = world.b, world.calendar_b
    term = cal.closed_term
    first, last = month_bounds(term.ends_on)
    with schema_context(b.school.schema_name):
        term.__class__.objects.filter(pk=term.pk).update(ends_on=last)
        on_the_first = compute(first, today=last + timedelta(days=1))
        assert on_the_first["Q12"] == (0, 0) and on_the_first[PENDING] == (3, 3)
        after_the_deadline = compute(first, today=last + timedelta(days=3))
        assert after_the_deadline["Q12"] == (0, 3) and after_the_deadline[PENDING] == (0, 0)
