"""The quality indicators on a small journal built by hand, where each value is known."""

from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry, DataView
from journal.models import FinalMark, Guardian, Holiday, Lesson, Mark, PlannedTopic, Pupil, TeachingLoad, ThematicPlan
from monitoring.indicators import _final_marks_on_time, compute, held_lessons, month_bounds

from .conftest import audit_rewritable


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def report_day(term):
    """A "today" for the report inside the running term, late enough in its month and in the term
    that the month has held lessons to count, whatever the date the tests run on."""
    day = term.starts_on + timedelta(days=14)
    while not 22 <= day.day <= 28:
        day += timedelta(days=1)
    return day


def test_every_indicator_on_a_hand_built_journal(world, db):
    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        held = held_lessons(first, last, today)
        total = held.count()
        math = list(held.filter(term=cal.term, school_class=b.school_class, subject=cal.math).order_by("date"))
        assert total > 0 and len(math) >= 3
        l1, l2, l3 = math[:3]
        # Topics on two lessons; l1 recorded on its day, l2 a day later.
        for lesson, when in ((l1, at(l1.date, 10)), (l2, at(l2.date + timedelta(days=1), 10))):
            lesson.topic, lesson.topic_entered_at = "Тема", when
            lesson.save()
        # Homework: l1 before the class's last lesson of the day ended, l3 "not set" the next day.
        Lesson.objects.filter(pk=l1.pk).update(homework="§ 1", homework_entered_at=at(l1.date, 9))
        Lesson.objects.filter(pk=l3.pk).update(
            homework_none=True, homework_entered_at=at(l3.date + timedelta(days=1), 9)
        )
        Lesson.objects.filter(pk=l1.pk).update(attendance_taken_at=at(l1.date, 10))
        # Two marks on l1 for the first pupil: one by 17:00, one the next day.
        on_time = Mark.objects.create(
            lesson=l1,
            pupil=b.pupils[0],
            value="5",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(l1.date, 12),
        )
        Mark.objects.create(
            lesson=l1,
            pupil=b.pupils[0],
            value="4",
            work_type=cal.answer,
            entered_by=b.class_teacher,
            entered_at=at(l1.date + timedelta(days=1), 12),
        )
        # A correction five days after the lesson.
        AuditEntry.objects.create(
            actor=b.class_teacher,
            action="mark.changed",
            target_type="journal.mark",
            target_id=on_time.pk,
            at=at(l1.date + timedelta(days=5), 12),
        )
        # l2 was taught by a substitute who said so first; l3 by someone who never recorded it.
        Lesson.objects.filter(pk=l2.pk).update(taught_by=b.teacher, substitution_recorded_at=at(l2.date, 8))
        Lesson.objects.filter(pk=l3.pk).update(taught_by=b.teacher)
        # The thematic plan: two topics due this month, one taught.
        plan = ThematicPlan.objects.create(subject=cal.math, school_class=b.school_class, year=cal.year)
        due = [
            PlannedTopic.objects.create(plan=plan, position=n, title=f"Тема {n}", hours=1, due_on=first) for n in (1, 2)
        ]
        Lesson.objects.filter(pk=l1.pk).update(planned_topic=due[0])
        # One teacher with a load, who wrote to the journal this month.
        TeachingLoad.objects.create(
            teacher=b.class_teacher, subject=cal.math, school_class=b.school_class, hours_per_week=3
        )
        AuditEntry.objects.create(
            actor=b.class_teacher,
            action="lesson.topic",
            target_type="journal.lesson",
            target_id=l1.pk,
            at=at(today - timedelta(days=1), 15),
        )
        # The one parent linked in school B (since the term began) opened the diary this month; the
        # pupil with an account did not.
        Guardian.objects.filter(pupil=b.pupils[1]).update(consent_at=at(cal.term.starts_on, 9))
        with audit_rewritable():
            AuditEntry.objects.filter(action="pupil.account_linked", target_id=b.pupils[0].pk).update(
                at=at(cal.term.starts_on, 9)
            )
        DataView.objects.create(
            viewer=world.parent, page="diary.week", pupil_ids=[b.pupils[1].pk], at=at(today - timedelta(days=1), 20)
        )

        result = compute(today, today=today)

    assert result["Q1"] == (2, total)
    assert result["Q2"] == (2, total)
    assert result["Q3"] == (1, 1)  # l3's explicit "not set" is in neither part (reading 7)
    assert result["Q4"] == (1, total)
    assert result["Q5"] == (1, total)
    assert result["Q6"] == (1, 2) and result["Q6_3days"] == (2, 2)
    # Pairs: 5А (3 pupils) × maths and Russian, 6Б (1 pupil) × maths = 7; only one pair has marks (two).
    assert result["Q7"] == (6, 7) and result["Q8"] == (0, 7)
    # Q9: each pair's norm comes from the curriculum's hours (5А maths 3 h → 7, Russian 2 h → 5,
    # 6Б maths 1 h → 3), prorated to the school days so far (reading 14: Sundays and holidays left
    # out, rounded half up). Only 5А's first pupil has marks in maths: two.
    with schema_context(b.school.schema_name):
        holidays = list(Holiday.objects.all())

    def school_days(start, end):
        return sum(
            1
            for n in range((end - start).days + 1)
            if (start + timedelta(days=n)).isoweekday() != 7
            and not any(h.starts_on <= start + timedelta(days=n) <= h.ends_on for h in holidays)
        )

    def so_far(norm):
        share = Fraction(
            norm * school_days(cal.term.starts_on, today), school_days(cal.term.starts_on, cal.term.ends_on)
        )
        return int(share + Fraction(1, 2))

    pairs = [(7, 2), (7, 0), (7, 0), (5, 0), (5, 0), (5, 0), (3, 0)]  # (norm, marks) of each pair
    assert result["Q9"] == (sum(1 for norm, marks in pairs if marks >= so_far(norm)), 7)
    assert result["Q10"] == (1, 1)
    assert result["Q11"] == (1, 2)
    assert result["Q13"] == (1, 1)
    assert result["Q14"] == (1, 4)
    assert result["Q15"] == (0, 1)
    assert result["Q16"] == (1, 2)
    assert result["Q17"] == (1, 2)


def test_final_marks_on_time_counts_class_subject_pairs_of_terms_ending_in_the_month(world, db):
    b, cal = world.b, world.calendar_b
    term = cal.closed_term
    first, last = month_bounds(term.ends_on)
    with schema_context(b.school.schema_name):
        pairs = len(
            set(
                Lesson.objects.filter(term=term, subject__is_marked=True)
                .order_by()
                .values_list("school_class_id", "subject_id")
            )
        )
        for pupil in Pupil.objects.filter(school_class=b.school_class):
            FinalMark.objects.create(
                pupil=pupil,
                subject=cal.math,
                school_class=b.school_class,
                year=cal.year,
                term=term,
                value="4",
                entered_by=b.class_teacher,
                entered_at=at(term.ends_on + timedelta(days=1), 12),
            )
        assert _final_marks_on_time(first, last, date.today()) == (1, pairs, 0)
        FinalMark.objects.filter(term=term).update(entered_at=at(term.ends_on + timedelta(days=5), 12))
        assert _final_marks_on_time(first, last, date.today()) == (0, pairs, 0)
    assert pairs == 3  # 5А maths and Russian, 6Б maths


def test_a_holiday_declared_later_and_a_cancelled_lesson_are_not_lessons_held(world, db):
    from journal import services

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        math = list(
            held_lessons(first, last, today)  # the running term's: the closed one is locked
            .filter(school_class=b.school_class, subject=cal.math, term=cal.term)
            .order_by("date")
        )
        on_holiday, cancelled = math[0], math[1]
        before = compute(today, today=today)
        that_day = held_lessons(first, last, today).filter(date=on_holiday.date).count()
        # A lesson filled in, then its day declared a holiday: it stays in the journal, it was not held.
        services.set_topic(on_holiday, topic="Дроби", by=b.class_teacher)
        services.add_holiday(year=cal.year, name="День здоровья", starts_on=on_holiday.date, ends_on=on_holiday.date)
        assert Lesson.objects.filter(pk=on_holiday.pk, topic="Дроби").exists()
        services.cancel_lesson(cancelled, reason="Карантин", by=b.deputy)
        after = compute(today, today=today)
    assert before["Q1"] == (0, before["Q1"][1]) and after["Q1"] == (0, before["Q1"][1] - that_day - 1)
    assert after["Q4"][1] == after["Q2"][1] == after["Q1"][1]
    assert after["Q7"] == before["Q7"]  # the other maths lessons remain: the pairs do not change


def test_a_subject_without_marks_has_no_pupil_subject_pairs(world, db):
    from journal import services

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        before = compute(today, today=today)
        services.add_slot(
            school=b.school,
            weekday=6,
            number=3,
            school_class=b.school_class,
            subject=cal.music,
            teacher=b.teacher,
            valid_from=cal.year.starts_on,
            room="Актовый зал",
        )
        music = held_lessons(first, last, today).filter(subject=cal.music).count()
        after = compute(today, today=today)
    assert music > 0 and after["Q1"][1] == before["Q1"][1] + music  # music lessons are held and kept
    assert after["Q7"] == before["Q7"] and after["Q8"] == before["Q8"] and after["Q9"] == before["Q9"]


def test_a_pupil_who_joined_mid_term_counts_from_the_day_they_came(world, db):
    from journal import services
    from monitoring.indicators import mark_pairs

    b, cal = world.b, world.calendar_b
    with schema_context(b.school.schema_name):
        maths_days = sorted(
            Lesson.objects.filter(term=cal.term, school_class=b.school_class, subject=cal.math).values_list(
                "date", flat=True
            )
        )
        day = maths_days[len(maths_days) // 2]  # a maths day (Mon, Wed, Fri) halfway through the term
        before = mark_pairs(day)
        services.enroll_pupil(
            school_class=b.school_class,
            last_name="Новенький",
            first_name="Пётр",
            birth_date=date(2015, 1, 10),
            enrolled_on=day,
            order="9-у",
        )
        after = mark_pairs(day)
        math, russian = (b.school_class.pk, cal.math.pk), (b.school_class.pk, cal.russian.pk)
    # Every subject of the 5th grade's curriculum has his pair from the day he is enrolled (reading
    # 13), without marks, yet at the norm prorated to his one school day.
    for subject in (math, russian):
        assert after[subject]["pairs"] == before[subject]["pairs"] + 1
        assert after[subject]["without"] == before[subject]["without"] + 1
        assert after[subject]["accumulated"] == before[subject]["accumulated"] + 1
    # A pupil of the whole term with no marks halfway through is below the same norm (3 × ~0.5 → 1).
    assert before[math]["without"] == before[math]["pairs"] == 3 and before[math]["accumulated"] == 0


def test_a_substitute_does_not_join_the_teachers_with_a_load_and_the_recorded_substitution_counts(world, db):
    from journal import services

    b, cal = world.b, world.calendar_b
    today = report_day(cal.term)
    first, last = month_bounds(today)
    with schema_context(b.school.schema_name):
        TeachingLoad.objects.create(
            teacher=b.class_teacher, subject=cal.math, school_class=b.school_class, hours_per_week=3
        )
        lesson = (  # of the running term: the closed one is locked
            held_lessons(first, last, today)
            .filter(school_class=b.school_class, subject=cal.math, term=cal.term)
            .first()
        )
        services.assign_substitution(lesson, school=b.school, teacher=b.teacher, reason="illness", by=b.deputy)
        services.set_topic(lesson, topic="Дроби", by=b.teacher)
        result = compute(today, today=today)
    assert result["Q10"] == (0, 1)  # the class teacher with the load wrote nothing; the substitute has no load
    assert result["Q17"] == (1, 1)


def test_the_districts_accumulation_norm_applies_to_figures_computed_after_it(world, db):
    from monitoring.indicators import mark_pairs
    from monitoring.services import set_norm

    b, cal = world.b, world.calendar_b
    day = cal.term.ends_on - timedelta(days=1)  # nearly the whole term: the norm is nearly whole
    with schema_context(b.school.schema_name):
        for pupil in b.pupils[:3]:
            for lesson in Lesson.objects.filter(term=cal.term, school_class=b.school_class, subject=cal.math)[:6]:
                Mark.objects.create(
                    lesson=lesson,
                    pupil=pupil,
                    value="4",
                    work_type=cal.answer,
                    entered_by=b.class_teacher,
                    entered_at=at(lesson.date, 12),
                )
        math = (b.school_class.pk, cal.math.pk)
        # 5А maths is 3 hours a week: the default norm of 7 (nearly whole here) is above six marks.
        assert mark_pairs(day)[math]["accumulated"] == 0
        set_norm(hours_per_week=3, marks=5, by=world.official)
        assert mark_pairs(day)[math]["accumulated"] == 3
    assert AuditEntry.objects.get(action="norm.set").old == {"marks": 7}
