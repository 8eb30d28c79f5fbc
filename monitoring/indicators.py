"""The journal quality indicators Q1–Q17 (shared/docs/indicators.md) of one school for one month.

Called with the school's schema active. Each indicator is (numerator, denominator); the
numbers are counts only, no names, so they may be written to the public schema. Timeliness is
judged by the times the system kept (`*_entered_at`, `entered_at`, audit entries), never by a
date someone typed."""

import calendar
from datetime import datetime, time, timedelta

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from audit.models import AuditEntry
from diary.models import DataView
from journal.models import (
    Attendance,
    Bell,
    CurriculumItem,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    PlannedTopic,
    Pupil,
    Rules,
    TeachingLoad,
    Term,
)

CODES = [f"Q{n}" for n in range(1, 18)]


def month_bounds(month):
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _at(day, clock):
    return timezone.make_aware(datetime.combine(day, clock))


def _end_of(day):
    return _at(day + timedelta(days=1), time(0, 0))


def held_lessons(first, last, today):
    """Lessons of the timetable from the month's first day up to its last (or yesterday), not
    cancelled. Holidays have no lessons: they are never generated on those days."""
    last = min(last, today - timedelta(days=1))
    return Lesson.objects.filter(date__range=(first, last), cancelled_at__isnull=True)


def compute(month, today=None):
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    results = {}

    total = held.count()
    results["Q1"] = (held.exclude(topic="").count(), total)
    results["Q2"] = (held.filter(Q(homework_none=True) | ~Q(homework="")).count(), total)
    results["Q3"] = _homework_on_time(held)
    results["Q4"] = (held.filter(attendance_taken_at__isnull=False).count(), total)
    on_the_day = [lesson for lesson in held.filter(topic_entered_at__isnull=False, attendance_taken_at__isnull=False)
                  .only("date", "topic_entered_at", "attendance_taken_at")
                  if max(lesson.topic_entered_at, lesson.attendance_taken_at) < _end_of(lesson.date)]
    results["Q5"] = (len(on_the_day), total)
    marks = list(Mark.objects.filter(lesson__in=held).select_related("lesson").only("entered_at", "lesson__date"))
    results["Q6"] = (sum(1 for m in marks if m.entered_at <= _at(m.lesson.date, time(17, 0))), len(marks))
    results["Q6_3days"] = (sum(1 for m in marks if m.entered_at < _end_of(m.lesson.date + timedelta(days=3))), len(marks))
    without, one, accumulated, pairs = _mark_pairs(last, today)
    results["Q7"], results["Q8"], results["Q9"] = (without, pairs), (one, pairs), (accumulated, pairs)
    results["Q10"] = _teachers_taking_part(first, last)
    due = PlannedTopic.objects.filter(due_on__lte=last)
    results["Q11"] = (due.filter(lessons__in=Lesson.objects.filter(cancelled_at__isnull=True, date__lte=last))
                      .distinct().count(), due.count())
    results["Q12"] = _final_marks_on_time(first, last)
    results["Q13"] = _taking_part(Guardian.objects.filter(ended_at__isnull=True, consent_at__isnull=False)
                                  .values_list("user_id", flat=True), first, last)
    results["Q14"] = (Pupil.objects.enrolled().filter(guardians__ended_at__isnull=True,
                                                      guardians__consent_at__isnull=False).distinct().count(),
                      Pupil.objects.enrolled().count())
    results["Q15"] = _taking_part(Pupil.objects.enrolled().filter(user__isnull=False).values_list("user_id", flat=True),
                                  first, last)
    results["Q16"] = _late_corrections(first, last)
    taught_by_others = held.filter(taught_by__isnull=False)
    # Recorded "when entered": the substitution was noted no later than the lesson's first record.
    recorded = taught_by_others.filter(substitution_recorded_at__isnull=False).filter(
        Q(topic_entered_at__isnull=True) | Q(substitution_recorded_at__lte=F("topic_entered_at")))
    results["Q17"] = (recorded.count(), taught_by_others.count())
    return results


def _homework_on_time(held):
    """Entered no later than an hour after the class's last lesson of that day (set in advance counts)."""
    bells = {b.number: b.ends_at for b in Bell.objects.all()}
    last_lesson = {(row["school_class"], row["date"]): row["last"] for row in
                   Lesson.objects.filter(date__in=held.values("date")).values("school_class", "date")
                   .annotate(last=Max("number"))}
    entered = held.filter(homework_entered_at__isnull=False).only("date", "school_class_id", "homework_entered_at")
    on_time = 0
    count = 0
    for lesson in entered:
        count += 1
        ends = bells.get(last_lesson.get((lesson.school_class_id, lesson.date)), time(15, 0))
        if lesson.homework_entered_at <= _at(lesson.date, ends) + timedelta(hours=1):
            on_time += 1
    return on_time, count


def _norm(hours):
    hours = float(hours)
    return 3 if hours <= 1 else 5 if hours <= 2 else 7


def _mark_pairs(last, today):
    """Pupil × marked subject pairs of the term running at the month's end, so far in the term."""
    until = min(last, today)
    without = one = accumulated = pairs = 0
    for term in Term.objects.filter(starts_on__lte=until, ends_on__gte=until):
        elapsed = max(0.0, min(1.0, ((until - term.starts_on).days + 1) / ((term.ends_on - term.starts_on).days + 1)))
        lessons = Lesson.objects.filter(term=term, date__lte=until, cancelled_at__isnull=True, subject__is_marked=True)
        taught = lessons.order_by().values_list("school_class_id", "subject_id").distinct()
        counts = dict(((row["pupil"], row["lesson__subject"]), row["n"]) for row in
                      Mark.objects.filter(lesson__in=lessons, deleted_at__isnull=True)
                      .values("pupil", "lesson__subject").annotate(n=Count("id")))
        hours = {(c.grade, c.subject_id): c.hours_per_week for c in CurriculumItem.objects.all()}
        pupils = {}
        for pupil in Pupil.objects.enrolled().select_related("school_class"):
            pupils.setdefault(pupil.school_class_id, []).append(pupil)
        for class_id, subject_id in set(taught):
            for pupil in pupils.get(class_id, []):
                n = counts.get((pupil.pk, subject_id), 0)
                pairs += 1
                without += n == 0
                one += n == 1
                norm = _norm(hours.get((pupil.school_class.grade, subject_id), 1)) * elapsed
                accumulated += n >= int(norm)
    return without, one, accumulated, pairs


def _teachers_taking_part(first, last):
    teachers = set(TeachingLoad.objects.values_list("teacher_id", flat=True))
    active = set(AuditEntry.objects.filter(at__gte=_at(first, time(0)), at__lt=_end_of(last),
                                           actor__in=teachers, target_type__startswith="journal.")
                 .values_list("actor_id", flat=True))
    return len(active), len(teachers)


def _final_marks_on_time(first, last):
    """For terms ending in this month: class × subject pairs whose every pupil had the term mark
    within the deadline after the term's end."""
    rules = Rules.get()
    done = due = 0
    for term in Term.objects.filter(ends_on__range=(first, last)):
        deadline = _end_of(term.ends_on + timedelta(days=rules.final_marks_days))
        pairs = (Lesson.objects.filter(term=term, subject__is_marked=True).order_by()
                 .values_list("school_class_id", "subject_id").distinct())
        for class_id, subject_id in set(pairs):
            pupils = set(Pupil.objects.filter(school_class_id=class_id).filter(
                Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=term.ends_on)).values_list("pk", flat=True))
            marked = set(FinalMark.objects.filter(term=term, subject_id=subject_id, pupil__in=pupils,
                                                  entered_at__lt=deadline).values_list("pupil_id", flat=True))
            due += 1
            done += pupils <= marked
    return done, due


def _taking_part(user_ids, first, last):
    users = set(user_ids)
    seen = set(DataView.objects.filter(viewer__in=users, at__gte=_at(first, time(0)), at__lt=_end_of(last),
                                       page__startswith="diary.").values_list("viewer_id", flat=True))
    return len(seen), len(users)


def _late_corrections(first, last):
    """Marks and absences changed or deleted more than three days after their lesson."""
    marks = Mark.objects.filter(lesson__date__range=(first, last))
    absences = Attendance.objects.filter(lesson__date__range=(first, last))
    entered = marks.count() + absences.count()
    late = 0
    lesson_day = dict(marks.values_list("pk", "lesson__date"))
    for entry in AuditEntry.objects.filter(target_type="journal.mark", target_id__in=lesson_day,
                                           action__in=["mark.changed", "mark.deleted"]):
        late += entry.at >= _end_of(lesson_day[entry.target_id] + timedelta(days=3))
    absence_day = dict(absences.values_list("pk", "lesson__date"))
    for entry in AuditEntry.objects.filter(target_type="journal.attendance", target_id__in=absence_day,
                                           action__in=["attendance.changed", "attendance.deleted"]):
        late += entry.at >= _end_of(absence_day[entry.target_id] + timedelta(days=3))
    return late, entered

