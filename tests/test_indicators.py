"""The quality indicators on a small journal built by hand, where each value is known."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from diary.models import DataView
from journal.models import FinalMark, Lesson, Mark, PlannedTopic, Pupil, TeachingLoad, ThematicPlan
from monitoring.indicators import _final_marks_on_time, compute, held_lessons, month_bounds


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_every_indicator_on_a_hand_built_journal(world, db):
    b, cal = world.b, world.calendar_b
    today = cal.term.starts_on + timedelta(days=14)  # "today" for the report: inside the running term
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
        Lesson.objects.filter(pk=l3.pk).update(homework_none=True, homework_entered_at=at(l3.date + timedelta(days=1), 9))
        Lesson.objects.filter(pk=l1.pk).update(attendance_taken_at=at(l1.date, 10))
        # Two marks on l1 for the first pupil: one by 17:00, one the next day.
        on_time = Mark.objects.create(lesson=l1, pupil=b.pupils[0], value="5", work_type=cal.answer,
                                      entered_by=b.class_teacher, entered_at=at(l1.date, 12))
        Mark.objects.create(lesson=l1, pupil=b.pupils[0], value="4", work_type=cal.answer,
                            entered_by=b.class_teacher, entered_at=at(l1.date + timedelta(days=1), 12))
        # A correction five days after the lesson.
        AuditEntry.objects.create(actor=b.class_teacher, action="mark.changed", target_type="journal.mark",
                                  target_id=on_time.pk, at=at(l1.date + timedelta(days=5), 12))
        # l2 was taught by a substitute who said so first; l3 by someone who never recorded it.
        Lesson.objects.filter(pk=l2.pk).update(taught_by=b.teacher, substitution_recorded_at=at(l2.date, 8))
        Lesson.objects.filter(pk=l3.pk).update(taught_by=b.teacher)
        # The thematic plan: two topics due this month, one taught.
        plan = ThematicPlan.objects.create(subject=cal.math, school_class=b.school_class, year=cal.year)
        due = [PlannedTopic.objects.create(plan=plan, position=n, title=f"Тема {n}", hours=1, due_on=first)
               for n in (1, 2)]
        Lesson.objects.filter(pk=l1.pk).update(planned_topic=due[0])
        # One teacher with a load, who wrote to the journal this month.
        TeachingLoad.objects.create(teacher=b.class_teacher, subject=cal.math, school_class=b.school_class,
                                    hours_per_week=3)
        AuditEntry.objects.create(actor=b.class_teacher, action="lesson.topic", target_type="journal.lesson",
                                  target_id=l1.pk, at=at(today - timedelta(days=1), 15))
        # The one parent linked in school B opened the diary this month; the pupil with an account did not.
        DataView.objects.create(viewer=world.parent, page="diary.week", pupil_ids=[b.pupils[1].pk],
                                at=at(today - timedelta(days=1), 20))

        result = compute(today, today=today)

    assert result["Q1"] == (2, total)
    assert result["Q2"] == (2, total)
    assert result["Q3"] == (1, 2)
    assert result["Q4"] == (1, total)
    assert result["Q5"] == (1, total)
    assert result["Q6"] == (1, 2) and result["Q6_3days"] == (2, 2)
    # Pairs: 5А (3 pupils) × maths and Russian, 6Б (1 pupil) × maths = 7; only one pair has marks (two).
    assert result["Q7"] == (6, 7) and result["Q8"] == (0, 7)
    # Two weeks into a term of nine, the norm (3 marks a quarter at 1 hour a week) prorates below one mark.
    assert result["Q9"] == (7, 7)
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
        pairs = len(set(Lesson.objects.filter(term=term, subject__is_marked=True).order_by()
                        .values_list("school_class_id", "subject_id")))
        for pupil in Pupil.objects.filter(school_class=b.school_class):
            FinalMark.objects.create(pupil=pupil, subject=cal.math, school_class=b.school_class, year=cal.year,
                                     term=term, value="4", entered_by=b.class_teacher,
                                     entered_at=at(term.ends_on + timedelta(days=1), 12))
        assert _final_marks_on_time(first, last) == (1, pairs)
        FinalMark.objects.filter(term=term).update(entered_at=at(term.ends_on + timedelta(days=5), 12))
        assert _final_marks_on_time(first, last) == (0, pairs)
    assert pairs == 3  # 5А maths and Russian, 6Б maths
