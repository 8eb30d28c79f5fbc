"""What a school computes about itself in its own schema: the journal quality indicators Q1–Q17
(shared/docs/indicators.md) of a month, the month's filling and mark accumulation table and the
week's user activity.

Called with the school's schema active. The results are counts only, labelled at most by class
and subject, never by a person, so they may be written to the public schema. Timeliness is
judged by the times the system kept (`*_entered_at`, `entered_at`, audit entries), never by a
date someone typed."""

import calendar
from datetime import datetime, time, timedelta
from functools import lru_cache

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import LoginAttempt, Membership, Role, User
from audit.models import AuditEntry, DataView
from diary.models import Message
from journal.documents import PROGRESS_HEAD as PROGRESS_TABLE_HEAD
from journal.models import (
    Attendance,
    Bell,
    CurriculumItem,
    FinalMark,
    GradeScheme,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    PlannedTopic,
    Pupil,
    PupilMovement,
    Rules,
    SchoolClass,
    Subject,
    TeachingLoad,
    Term,
)
from journal.selectors import progress_report, terms_of
from journal.services import is_school_day

from .models import accumulation_norms, norm_for

CODES = [f"Q{n}" for n in range(1, 18)]
PENDING = "Q12_wait"  # stored with the figures, shown nowhere: term marks whose deadline is ahead


def month_bounds(month):
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@lru_cache(maxsize=4096)  # called for every lesson and mark of a month: a few dozen distinct values
def _at(day, clock):
    return timezone.make_aware(datetime.combine(day, clock))


def _end_of(day):
    return _at(day + timedelta(days=1), time(0, 0))


def held_lessons(first, last, today):
    """Lessons of the timetable from the month's first day up to its last (or yesterday), minus
    cancelled ones and those on holidays (a holiday declared after a lesson was filled in leaves
    the lesson in the journal, but it was not held)."""
    last = min(last, today - timedelta(days=1))
    return _not_on_holidays(Lesson.objects.filter(date__range=(first, last), cancelled_at__isnull=True), first, last)


def _not_on_holidays(lessons, first, last):
    for holiday in Holiday.objects.filter(starts_on__lte=last, ends_on__gte=first):
        lessons = lessons.exclude(date__range=(holiday.starts_on, holiday.ends_on))
    return lessons


def last_school_day(first, last):
    """The month's last school day up to `last`: a month may end inside a holiday or a break,
    and then its end (the running term, the term so far, who is enrolled) is that day. A break
    is a holiday row, or simply days between two terms that no term covers."""
    holidays = list(Holiday.objects.filter(starts_on__lte=last, ends_on__gte=first))
    terms = list(Term.objects.filter(starts_on__lte=last, ends_on__gte=first).values_list("starts_on", "ends_on"))
    day = last
    while day > first and not (is_school_day(day, holidays) and any(s <= day <= e for s, e in terms)):
        day -= timedelta(days=1)
    return day


def school_days(first, last, holidays):
    return sum(1 for n in range((last - first).days + 1) if is_school_day(first + timedelta(days=n), holidays))


def prorated(norm, days, term_days):
    """The norm for the part of the term so far (reading 14): norm × days / term days, half up."""
    return (2 * norm * days + term_days) // (2 * term_days) if term_days else norm


def compute(month, today=None):
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    end_day = last_school_day(first, min(last, today))  # the term, the term so far, who is enrolled
    results = lesson_figures(held)
    results.update(_pair_figures(mark_pairs(end_day).values()))
    results["Q10"] = _teachers_taking_part(first, last)
    due = PlannedTopic.objects.filter(due_on__lte=last)
    results["Q11"] = (
        due.filter(lessons__in=Lesson.objects.filter(cancelled_at__isnull=True, date__lte=last)).distinct().count(),
        due.count(),
    )
    done, due, pending = _final_marks_on_time(first, last, today)
    # Pairs whose deadline is still ahead are not counted yet (Q12 "pending", not 0 %); the
    # district's monthly report waits for them (monitoring.tasks.monthly_reports).
    results["Q12"], results[PENDING] = (done, due), (pending, pending)
    month_end = _end_of(min(last, today))
    results["Q13"] = _taking_part(_linked_by(month_end).values_list("user_id", flat=True), first, last)
    results["Q14"], results["Q15"] = _families(_enrolled_on(end_day), first, last, month_end)
    return results


def lesson_figures(held):
    """The indicators that are about lessons (Q1–Q6, Q16, Q17) over some of a month's held lessons:
    all of them, one teacher's or one class's."""
    total = held.count()
    results = {
        "Q1": (held.exclude(topic="").count(), total),
        "Q2": (held.filter(Q(homework_none=True) | ~Q(homework="")).count(), total),
        "Q3": _homework_on_time(held),
        "Q4": (held.filter(attendance_taken_at__isnull=False).count(), total),
    }
    # Rows as tuples, not model objects: a month is thousands of lessons and marks.
    recorded = held.filter(topic_entered_at__isnull=False, attendance_taken_at__isnull=False).values_list(
        "date", "topic_entered_at", "attendance_taken_at"
    )
    results["Q5"] = (sum(1 for day, topic, attendance in recorded if max(topic, attendance) < _end_of(day)), total)
    marks = list(Mark.objects.live().filter(lesson__in=held).values_list("entered_at", "lesson__date"))
    results["Q6"] = (sum(1 for entered, day in marks if entered <= _at(day, time(17, 0))), len(marks))
    results["Q6_3days"] = (sum(1 for entered, day in marks if entered < _end_of(day + timedelta(days=3))), len(marks))
    results["Q16"] = _late_corrections(held)
    # Recorded "when entered" (reading 22): the substitution was noted no later than the lesson's
    # first entry of any kind (PostgreSQL's LEAST passes over the empty ones).
    first_mark = Mark.objects.filter(lesson=OuterRef("pk")).order_by("entered_at").values("entered_at")[:1]
    taught_by_others = held.filter(taught_by__isnull=False).annotate(
        first_entry=Least("topic_entered_at", "homework_entered_at", "attendance_taken_at", Subquery(first_mark))
    )
    recorded = taught_by_others.filter(substitution_recorded_at__isnull=False).filter(
        Q(first_entry__isnull=True) | Q(substitution_recorded_at__lte=F("first_entry"))
    )
    results["Q17"] = (recorded.count(), taught_by_others.count())
    return results


def _pair_figures(rows):
    pairs = {key: sum(row[key] for row in rows) for key in ("pairs", "without", "one", "accumulated")}
    return {
        "Q7": (pairs["without"], pairs["pairs"]),
        "Q8": (pairs["one"], pairs["pairs"]),
        "Q9": (pairs["accumulated"], pairs["pairs"]),
    }


def _enrolled_on(day):
    return Pupil.objects.filter(enrolled_on__lte=day).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))


def _classes_on(day):
    """pupil id → the class they were in on `day`, for pupils transferred since (by order)."""
    moved = {}
    for pupil_id, from_class in (
        PupilMovement.objects.filter(
            kind__in=[PupilMovement.Kind.TRANSFERRED, PupilMovement.Kind.PROMOTED, PupilMovement.Kind.REPEATED],
            on__gt=day,
        )
        .order_by("-on", "-id")
        .values_list("pupil_id", "from_class_id")
    ):
        moved[pupil_id] = from_class  # the earliest transfer after the day is the last one written here
    return moved


def _in_class_on(day, school_class):
    moved = _classes_on(day)
    return _enrolled_on(day).filter(
        pk__in=[
            pk
            for pk, class_id in _enrolled_on(day).values_list("pk", "school_class_id")
            if moved.get(pk, class_id) == school_class.pk
        ]
    )


def _linked_by(moment):
    """Parents' links with consent given by `moment` and not ended by then (readings 19, 20)."""
    return Guardian.objects.filter(consent_at__lt=moment).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=moment))


def _families(pupils, first, last, month_end):
    """Q14 (pupils with a parent linked by the month's end) and Q15 (pupils with an account who
    opened their diary)."""
    linked = pupils.filter(pk__in=_linked_by(month_end).values("pupil")).count()
    # An account linked after the month's end (its audit entry says when) was not there yet.
    later = AuditEntry.objects.filter(action="pupil.account_linked", at__gte=month_end).values("target_id")
    with_account = pupils.filter(user__isnull=False).exclude(pk__in=later)
    return ((linked, pupils.count()), _taking_part(with_account.values_list("user_id", flat=True), first, last))


def by_teacher(month, today=None):
    """Per teacher who conducted a lesson this month (the substitute when one is recorded): the
    lesson indicators of their lessons, and Q10 (null for a teacher without a teaching load)."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    with_load = set(TeachingLoad.objects.values_list("teacher_id", flat=True))
    active = _journal_writers(first, last)
    rows = {}
    conductors = set(held.values_list("taught_by", flat=True)) | set(
        held.filter(taught_by__isnull=True).values_list("teacher", flat=True)
    )
    for teacher_id in sorted(conductors - {None}):
        figures = lesson_figures(held.conducted_by(teacher_id))
        figures["Q10"] = (int(teacher_id in active), 1) if teacher_id in with_load else (0, 0)
        rows[teacher_id] = figures
    return rows


def by_class(month, today=None):
    """Per class: the lesson indicators of its lessons, its pupil × subject pairs (Q7–Q9), its
    final marks on time (Q12) and its families (Q14, Q15)."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    end_day = last_school_day(first, min(last, today))
    pairs = mark_pairs(end_day)
    rows = {}
    # This year's classes, and any other with lessons in the month (a closed year's are history).
    for school_class in SchoolClass.objects.filter(
        Q(year__closed_at__isnull=True) | Q(pk__in=held.values("school_class"))
    ):
        figures = lesson_figures(held.filter(school_class=school_class))
        figures.update(_pair_figures([row for (class_id, _), row in pairs.items() if class_id == school_class.pk]))
        figures["Q12"] = _final_marks_on_time(first, last, today, school_class=school_class)[:2]
        figures["Q14"], figures["Q15"] = _families(
            _in_class_on(end_day, school_class), first, last, _end_of(min(last, today))
        )
        rows[school_class.pk] = figures
    return rows


# The parts of a school's month (reading 11): every indicator that means something per teacher,
# per class, per subject.
LESSON_CODES = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q6_3days"]
PART_CODES = {
    "teacher": LESSON_CODES + ["Q10", "Q16", "Q17"],
    "class": LESSON_CODES + ["Q7", "Q8", "Q9", "Q12", "Q14", "Q15"],
    "subject": LESSON_CODES,
}


def parts(month, today=None):
    """The school's month by teacher, class and subject: {part: {name: figures}}, named as the
    school names them (a teacher's full name, «5А», the subject) — staff and classes, no pupil."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    teachers = by_teacher(month, today)
    names = {u.pk: u.full_name for u in User.objects.filter(pk__in=list(teachers))}
    classes = {c.pk: str(c) for c in SchoolClass.objects.all()}
    return {
        "teacher": {names.get(pk, "—"): figures for pk, figures in teachers.items()},
        "class": {classes[pk]: figures for pk, figures in by_class(month, today).items()},
        "subject": {
            subject.name: lesson_figures(held.filter(subject=subject))
            for subject in Subject.objects.filter(pk__in=held.values("subject"))
        },
    }


def _homework_on_time(held):
    """Real homework (an explicit "not set" is left out of both parts) entered no later than an
    hour after the class's last lesson of that day (set in advance counts)."""
    bells = {b.number: b.ends_at for b in Bell.objects.all()}
    last_lesson = {
        (row["school_class"], row["date"]): row["last"]
        for row in Lesson.objects.filter(date__in=held.values("date"))
        .values("school_class", "date")
        .annotate(last=Max("number"))
    }
    entered = (
        held.filter(homework_entered_at__isnull=False, homework_none=False)
        .exclude(homework="")
        .values_list("date", "school_class_id", "homework_entered_at")
    )
    on_time = count = 0
    for day, class_id, at in entered:
        count += 1
        on_time += at <= _at(day, bells.get(last_lesson.get((class_id, day)), time(15, 0))) + timedelta(hours=1)
    return on_time, count


def mark_pairs(until, norms=None):
    """Pupil × subject pairs on `until` (reading 13): every pupil enrolled that day × every marked
    subject of their grade's curriculum, in the term running that day; counted per (class,
    subject): pairs, without a mark, with one, at or above the accumulation norm, marks.

    The marks are the standing ones of the term's lessons so far (reading 12); the norm is the
    district's for the curriculum's hours a week (reading 15), prorated by school days (reading
    14) — for a pupil who joined during the term, from the day they came."""
    norms = norms or accumulation_norms()
    rows = {}
    pupils = {}
    moved = _classes_on(until)
    for pupil in _enrolled_on(until):
        pupils.setdefault(moved.get(pupil.pk, pupil.school_class_id), []).append(pupil)
    for term in Term.objects.filter(starts_on__lte=until, ends_on__gte=until):
        grades = set(GradeScheme.objects.filter(year=term.year_id, scheme=term.scheme).values_list("grade", flat=True))
        curriculum = {}
        for item in CurriculumItem.objects.filter(grade__in=grades, subject__is_marked=True, is_marked=True):
            curriculum.setdefault(item.grade, []).append((item.subject_id, item.hours_per_week))
        holidays = list(Holiday.objects.filter(starts_on__lte=term.ends_on, ends_on__gte=term.starts_on))
        term_days = school_days(term.starts_on, term.ends_on, holidays)
        lessons = _not_on_holidays(
            Lesson.objects.filter(term=term, date__lte=until, cancelled_at__isnull=True), term.starts_on, until
        )
        counts = dict(
            ((row["pupil"], row["lesson__subject"]), row["n"])
            for row in Mark.objects.live()
            .filter(lesson__in=lessons)
            .values("pupil", "lesson__subject")
            .annotate(n=Count("id"))
        )
        for school_class in SchoolClass.objects.filter(grade__in=grades):
            for subject_id, hours in curriculum.get(school_class.grade, []):
                row = rows.setdefault(
                    (school_class.pk, subject_id), dict.fromkeys(("pairs", "without", "one", "accumulated", "marks"), 0)
                )
                norm = norm_for(hours, norms)
                for pupil in pupils.get(school_class.pk, []):
                    joined = max(term.starts_on, pupil.enrolled_on)
                    n = counts.get((pupil.pk, subject_id), 0)
                    row["pairs"] += 1
                    row["without"] += n == 0
                    row["one"] += n == 1
                    row["accumulated"] += n >= prorated(norm, school_days(joined, until, holidays), term_days)
                    row["marks"] += n
    return rows


def _teachers_taking_part(first, last):
    teachers = set(TeachingLoad.objects.values_list("teacher_id", flat=True))
    return len(_journal_writers(first, last) & teachers), len(teachers)


# Entries in the journal itself (reading 16): not substitutions, cancellations, set-up or account links.
JOURNAL_ENTRIES = [
    "lesson.topic",
    "lesson.homework",
    "homework.file_added",
    "lesson.attendance",
    "attendance.created",
    "attendance.changed",
    "attendance.deleted",
    "attendance.reason",
    "mark.created",
    "mark.changed",
    "mark.deleted",
    "mark.restored",
    "final_mark.set",
]


def _journal_writers(first, last):
    return set(
        AuditEntry.objects.filter(
            at__gte=_at(first, time(0)), at__lt=_end_of(last), action__in=JOURNAL_ENTRIES
        ).values_list("actor_id", flat=True)
    )


def _final_marks_on_time(first, last, today, school_class=None):
    """For terms ending in this month: class × subject pairs whose every pupil had the term mark
    within the deadline after the term's end (of one class, or all), as (done, due, pending):
    a term whose deadline has not passed by `today` is pending, not due."""
    rules = Rules.get()
    done = due = pending = 0
    for term in Term.objects.filter(ends_on__range=(first, last)):
        deadline = _end_of(term.ends_on + timedelta(days=rules.final_marks_days))
        waiting = deadline > _at(today, time(0, 0))
        lessons = Lesson.objects.filter(term=term, subject__is_marked=True)
        if school_class is not None:
            lessons = lessons.filter(school_class=school_class)
        pairs = set(lessons.order_by().values_list("school_class_id", "subject_id").distinct())
        # A subject its grade learns without marks (the curriculum says so) has no final marks due.
        unmarked = set(CurriculumItem.objects.filter(is_marked=False).values_list("grade", "subject_id"))
        grades = dict(SchoolClass.objects.values_list("pk", "grade"))
        pairs = {(c, s) for c, s in pairs if (grades.get(c), s) not in unmarked}
        pupils = {}
        for class_id, pupil_id in Pupil.objects.filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=term.ends_on)
        ).values_list("school_class_id", "pk"):
            pupils.setdefault(class_id, []).append(pupil_id)
        marked = set(FinalMark.objects.filter(term=term, entered_at__lt=deadline).values_list("subject_id", "pupil_id"))
        if waiting:
            pending += len(pairs)
            continue
        for class_id, subject_id in pairs:
            due += 1
            done += all((subject_id, pupil_id) in marked for pupil_id in pupils.get(class_id, []))
    return done, due, pending


def _taking_part(user_ids, first, last):
    users = set(user_ids)
    seen = set(
        DataView.objects.filter(
            viewer__in=users, at__gte=_at(first, time(0)), at__lt=_end_of(last), page__startswith="diary."
        ).values_list("viewer_id", flat=True)
    )
    return len(seen), len(users)


def _late_corrections(held):
    """Records (marks and attendance records of the month's held lessons, deleted ones included)
    changed or deleted on or after the fourth day after their lesson; a record counts once
    however often it changed. The changes are few: read them, then their records' lesson days."""
    entered = late = 0
    for model, kind in ((Mark, "mark"), (Attendance, "attendance")):
        days = dict(model.objects.filter(lesson__in=held).values_list("pk", "lesson__date"))
        entered += len(days)
        changes = AuditEntry.objects.filter(
            target_type=f"journal.{kind}", target_id__in=list(days), action__in=[f"{kind}.changed", f"{kind}.deleted"]
        ).values_list("target_id", "at")
        late += len({target for target, at in changes if at >= _end_of(days[target] + timedelta(days=3))})
    return late, entered


FILLING_COLUMNS = ["lessons", "topics", "homework", "attendance", "marks", "pairs", "without", "one", "accumulated"]


def filling(month, today=None):
    """The filling and mark accumulation table of a month: per class and subject the lessons held
    and how many were filled in, the month's marks and, at the month's end, the pupil × subject
    pairs without marks, with one mark and at the accumulation norm."""
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    held = held_lessons(first, last, today)
    rows = {}
    for row in (
        held.order_by()
        .values("school_class", "subject")
        .annotate(
            lessons=Count("id"),
            topics=Count("id", filter=~Q(topic="")),
            homework=Count("id", filter=Q(homework_none=True) | ~Q(homework="")),
            attendance=Count("id", filter=Q(attendance_taken_at__isnull=False)),
        )
    ):
        rows[(row.pop("school_class"), row.pop("subject"))] = row
    for row in (
        Mark.objects.live()
        .filter(lesson__in=held)
        .values("lesson__school_class", "lesson__subject")
        .annotate(n=Count("id"))
    ):
        rows.setdefault((row["lesson__school_class"], row["lesson__subject"]), {})["marks"] = row["n"]
    for key, counts in mark_pairs(last_school_day(first, min(last, today))).items():
        rows.setdefault(key, {}).update({k: v for k, v in counts.items() if k != "marks"})
    classes = {c.pk: (position, str(c)) for position, c in enumerate(SchoolClass.objects.all())}
    subjects = dict(Subject.objects.values_list("pk", "name"))
    return [
        {
            "class": classes[class_id][1],
            "subject": subjects[subject_id],
            **{column: counts.get(column, 0) for column in FILLING_COLUMNS},
        }
        for (class_id, subject_id), counts in sorted(
            rows.items(), key=lambda item: (classes[item[0][0]][0], subjects[item[0][1]])
        )
    ]


STAFF_ROLES = [Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.SCHOOL_ADMIN]


def activity(school, monday):
    """The user activity of one week, Monday to Sunday: per group (staff, parents, pupils) the
    people with an account here, those who worked in the journal or opened the diary, their
    sign-ins, and the journal entries, diary views and messages of the week."""
    since, until = _at(monday, time(0)), _end_of(monday + timedelta(days=6))
    groups = {
        "staff": set(Membership.objects.at(school).filter(role__in=STAFF_ROLES).values_list("user_id", flat=True)),
        "parents": set(
            Guardian.objects.filter(ended_at__isnull=True, consent_at__isnull=False).values_list("user_id", flat=True)
        ),
        "pupils": set(Pupil.objects.enrolled().filter(user__isnull=False).values_list("user_id", flat=True)),
    }
    entries = AuditEntry.objects.filter(at__gte=since, at__lt=until, target_type__startswith="journal.")
    views = DataView.objects.filter(at__gte=since, at__lt=until)
    messages = Message.objects.filter(created_at__gte=since, created_at__lt=until)
    sign_ins = dict(
        LoginAttempt.objects.filter(at__gte=since, at__lt=until, success=True)
        .values("user")
        .annotate(n=Count("id"))
        .values_list("user", "n")
    )
    active_staff = set(entries.values_list("actor_id", flat=True)) | set(views.values_list("viewer_id", flat=True))
    diary_readers = set(views.filter(page__startswith="diary.").values_list("viewer_id", flat=True))
    rows = []
    for group, users in groups.items():
        active = (active_staff if group == "staff" else diary_readers) & users
        rows.append(
            {
                "group": group,
                "users": len(users),
                "active": len(active),
                "sign_ins": sum(sign_ins.get(user, 0) for user in users),
                "messages": messages.filter(author__in=users).count(),
            }
        )
    return {"groups": rows, "journal_entries": entries.count(), "diary_views": views.count()}


PROGRESS_HEAD = [gettext_lazy(h) for h in PROGRESS_TABLE_HEAD[1:]]  # the school's report's columns, without "Класс"
PROGRESS_COLUMNS = [
    "pupils",
    "attested",
    "excellent",
    "good",
    "one_three",
    "threes",
    "failing",
    "not_attested",
    "missed",
    "illness",
    "excused",
    "unexcused",
    "none",
]


def progress(month):
    """The results of the terms (and school years) that ended in `month`, per class and period:
    counts only — the names stay in the school's own report (journal.selectors.progress_report)."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    rows = []
    classes = SchoolClass.objects.filter(year__starts_on__lte=last, year__ends_on__gte=month).select_related("year")
    for school_class in classes:
        year = school_class.year
        periods = [t for t in terms_of(school_class, year) if month <= t.ends_on <= last]
        if month <= year.ends_on <= last:
            periods.append(None)
        for term in periods:
            found = progress_report([school_class], year, term)["classes"][0]
            absences = found["absences"]["totals"]
            rows.append(
                {
                    "class": str(school_class),
                    "period": str(term) if term else _("учебный год"),
                    "pupils": found["pupils"],
                    "attested": found["attested"],
                    **{key: len(found[key]) for key in ("excellent", "good", "one_three", "failing", "not_attested")},
                    "threes": found["threes"],
                    "missed": absences["all"],
                    **{key: absences[key] for key in ("illness", "excused", "unexcused", "none")},
                }
            )
    return rows
