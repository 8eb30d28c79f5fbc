"""The diary: the journal as a pupil and their parents read it. Called with the school's
schema active; every function takes the one pupil whose diary it is."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import STAFF_ROLES, Membership, Role, User
from accounts.selectors import parent_schools
from audit.models import DataView
from journal.models import (
    AcademicYear,
    Attendance,
    Bell,
    ExamResult,
    FinalMark,
    Guardian,
    HomeworkFile,
    Lesson,
    Mark,
    PortfolioEntry,
    Pupil,
    Remark,
    Rules,
    Subgroup,
    Subject,
    Term,
    ThematicPlan,
    WorkProgramme,
)
from journal.selectors import suggested_final, terms_of, weighted_average
from notifications.selectors import unread_count_sql
from tenants.models import School

from .models import Message, News, ParentMeeting, Thread, ThreadMember


def lessons_of(pupil):
    """The lessons a pupil sits in: the class's, and of subgroups only their own."""
    groups = Subgroup.pupils.through.objects.filter(pupil=pupil.pk).values("subgroup")
    return Lesson.objects.filter(school_class=pupil.school_class_id).filter(
        Q(subgroup__isnull=True) | Q(subgroup__in=groups)
    )


def week(pupil, monday):
    """Each school day of the week: lessons with topic, homework (files too), the pupil's marks
    and attendance, substitutions and cancellations."""
    marks = Prefetch(
        "marks", queryset=Mark.objects.live().filter(pupil=pupil).select_related("work_type"), to_attr="pupil_marks"
    )
    attendance = Prefetch(
        "attendance", queryset=Attendance.objects.live().filter(pupil=pupil), to_attr="pupil_attendance"
    )
    files = Prefetch("files", queryset=HomeworkFile.objects.live(), to_attr="live_files")
    lessons = (
        lessons_of(pupil)
        .filter(date__range=(monday, monday + timedelta(days=5)))
        .select_related("subject")
        .prefetch_related(marks, attendance, files)
        .order_by("date", "number")
    )
    bells = {b.number: b for b in Bell.objects.all()}
    days = {monday + timedelta(days=n): [] for n in range(6)}
    due = homework_due(pupil, lessons)
    for lesson in lessons:
        lesson.bell = bells.get(lesson.number)
        lesson.absence = lesson.pupil_attendance[0] if lesson.pupil_attendance else None
        lesson.due = due.get(lesson.pk)
        days[lesson.date].append(lesson)
    return list(days.items())


HOMEWORK_LOOKBACK = timedelta(days=21)  # homework set before a holiday is still due after it


@dataclass
class Due:
    """The homework due at a lesson, as recorded at the lesson it was set at (`pk`, `date`)."""

    pk: int
    date: date
    homework: str
    homework_none: bool
    live_files: list


def homework_due(pupil, lessons):
    """For each of these lessons, the homework due at it: set at the pupil's previous lesson of
    the same subject (it stays recorded there). By lesson id. Read as plain rows: three weeks of
    a class's lessons as model objects cost more than the rest of the week page."""
    lessons = list(lessons)
    if not lessons:
        return {}
    earlier = list(
        lessons_of(pupil)
        .filter(
            date__range=(lessons[0].date - HOMEWORK_LOOKBACK, lessons[-1].date),
            subject__in={lesson.subject_id for lesson in lessons},
            cancelled_at__isnull=True,
        )
        .order_by("date", "number")
        .values_list("pk", "subject_id", "date", "homework", "homework_none")
    )
    files = {}
    for file in HomeworkFile.objects.live().filter(lesson__in=[row[0] for row in earlier]).only("pk", "name", "lesson"):
        files.setdefault(file.lesson_id, []).append(file)
    previous, due = {}, {}
    for pk, subject, day, homework, homework_none in earlier:
        set_at = previous.get(subject)
        if set_at is not None and (set_at.homework or set_at.homework_none or set_at.live_files):
            due[pk] = set_at
        previous[subject] = Due(pk, day, homework, homework_none, files.get(pk, []))
    return due


def tomorrow(pupil, today=None, days=None):
    """The next school day's lessons with what is due at each (the phone page's top card).
    `days`: the week being shown (week()); when the next school day is in it, its lessons are
    taken from there instead of read again."""
    today = today or timezone.localdate()
    if days and days[0][0] <= today + timedelta(days=1):
        shown = [lesson for _, lessons in days for lesson in lessons if lesson.date > today and not lesson.cancelled_at]
        if shown:
            return {"day": shown[0].date, "lessons": [lesson for lesson in shown if lesson.date == shown[0].date]}
    lessons = list(
        lessons_of(pupil)
        .filter(date__gt=today, date__lte=today + timedelta(days=7), cancelled_at__isnull=True)
        .select_related("subject")
        .order_by("date", "number")
    )
    if not lessons:
        return None
    day = lessons[0].date
    lessons = [lesson for lesson in lessons if lesson.date == day]
    due = homework_due(pupil, lessons)
    for lesson in lessons:
        lesson.due = due.get(lesson.pk)
    return {"day": day, "lessons": lessons}


def week_summary(pupil, first, last):
    """A pupil's marks by subject and missed lessons from `first` to `last` (inclusive), in
    whichever class the lessons were: the weekly paper report and the weekly digest."""
    marks = (
        Mark.objects.live()
        .filter(pupil=pupil, lesson__date__range=(first, last))
        .select_related("lesson__subject", "work_type")
        .order_by("lesson__subject__name", "lesson__date")
    )
    by_subject = {}
    for mark in marks:
        by_subject.setdefault(mark.lesson.subject.name, []).append(mark)
    statuses = list(
        Attendance.objects.live()
        .filter(pupil=pupil, lesson__date__range=(first, last))
        .values_list("status", flat=True)
    )
    return {
        "marks": by_subject,
        "absent": statuses.count(Attendance.Status.ABSENT),
        "late": statuses.count(Attendance.Status.LATE),
    }


def marks_by_subject(pupil, term):
    """Per subject for one term: the marks, the weighted average, its course (for the chart),
    the forecast of the term mark by the school's rounding rule, and the term mark if set."""
    rules = Rules.get()
    marks = (
        Mark.objects.live()
        .filter(pupil=pupil, lesson__term=term)
        .select_related("work_type", "lesson__subject")
        .order_by("lesson__date", "entered_at")
    )
    finals = {f.subject_id: f for f in FinalMark.objects.filter(pupil=pupil, term=term)}
    subjects = {}
    for mark in marks:
        subjects.setdefault(mark.lesson.subject, []).append(mark)
    for subject_id in finals:
        subjects.setdefault(Subject.objects.get(pk=subject_id), [])
    rows = []
    for subject, subject_marks in sorted(subjects.items(), key=lambda item: item[0].name):
        course = [weighted_average(subject_marks[: n + 1]) for n in range(len(subject_marks))]
        course = [value for value in course if value is not None]
        average = weighted_average(subject_marks)
        rows.append(
            {
                "subject": subject,
                "marks": subject_marks,
                "average": average,
                "forecast": suggested_final(average, rules),
                "final": finals.get(subject.pk),
                "course": course,
            }
        )
    return rows


def final_marks(pupil, year):
    """Term and year marks by subject."""
    terms = list(terms_of(pupil.school_class, year))
    by_subject = {}
    for final in FinalMark.objects.filter(pupil=pupil, year=year).select_related("subject"):
        by_subject.setdefault(final.subject, {})[final.term_id] = final.value
    rows = [
        {"subject": subject, "terms": [values.get(t.pk, "") for t in terms], "year": values.get(None, "")}
        for subject, values in sorted(by_subject.items(), key=lambda item: item[0].name)
    ]
    return terms, rows


def attendance(pupil, term):
    """Absences and lateness of a term, with the lessons missed: their topics and homework."""
    entries = list(
        Attendance.objects.live()
        .filter(pupil=pupil, lesson__term=term)
        .select_related("lesson__subject")
        .order_by("lesson__date", "lesson__number")
    )
    absent = [a for a in entries if a.status == Attendance.Status.ABSENT]
    summary = {
        "absent": len(absent),
        "late": len(entries) - len(absent),
        "illness": sum(1 for a in absent if a.reason == Attendance.Reason.ILLNESS),
        "excused": sum(1 for a in absent if a.reason == Attendance.Reason.EXCUSED),
        "unexcused": sum(1 for a in absent if a.reason == Attendance.Reason.UNEXCUSED),
        "unknown": sum(1 for a in absent if not a.reason),
    }
    return summary, absent, [a for a in entries if a.status == Attendance.Status.LATE]


def views_of(pupil):
    """Who looked at this pupil's data, newest first."""
    return DataView.objects.filter(pupil_ids__contains=[pupil.pk]).select_related("viewer")[:200]


def current_term(pupil, year):
    terms = list(terms_of(pupil.school_class, year)) if year else []
    today = timezone.localdate()
    return terms, next(
        (t for t in terms if t.starts_on <= today <= t.ends_on),
        next((t for t in reversed(terms) if t.starts_on <= today), terms[0] if terms else None),
    )


def threads_for(user, everything=False):
    """Conversations with the count of messages from others not yet read by this person."""
    last_read = ThreadMember.objects.filter(thread=OuterRef("pk"), user=user).values("last_read_at")[:1]
    threads = Thread.objects.all() if everything else Thread.objects.filter(members__user=user)
    return (
        threads.annotate(last_read=Subquery(last_read))
        .annotate(
            unread=Count(
                "messages",
                filter=~Q(messages__author=user)
                & (Q(last_read__isnull=True) | Q(messages__created_at__gt=F("last_read"))),
            )
        )
        .select_related("pupil", "school_class", "created_by")
        .order_by("-last_message_at")
    )


def thread_page(thread, user):
    """The messages of a conversation; reading it marks it read for a member."""
    messages = list(thread.messages.select_related("author"))
    ThreadMember.objects.filter(thread=thread, user=user).update(last_read_at=timezone.now())
    members = list(thread.members.select_related("user"))
    return messages, members


def colleagues(school, user):
    """The school's staff one may write to, oneself aside."""
    return (
        User.objects.filter(memberships__in=Membership.objects.at(school).filter(role__in=sorted(STAFF_ROLES)))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )


def as_a_parent_sees(found, members, user, school):
    """Other parents stay nameless to a parent: in a class's conversation they are "Родитель"."""
    staff = set(
        Membership.objects.at(school)
        .filter(user__in=[m.user_id for m in members], role__in=sorted(STAFF_ROLES))
        .values_list("user_id", flat=True)
    )
    for message in found:
        message.shown_author = message.author.full_name if message.author_id in staff | {user.pk} else _("Родитель")
    return found, [m for m in members if m.user_id in staff | {user.pk}]


def class_parents(school_class):
    """Parents on the portal with their children in this class, for the meeting list."""
    links = (
        Guardian.objects.live()
        .filter(pupil__school_class=school_class)
        .select_related("user", "pupil")
        .order_by("pupil__last_name")
    )
    return [(link.user, link.pupil) for link in links]


def board(pupil):
    """What the diary shows beside the week: news of the school and the class, and the class's
    parent meetings."""
    return {
        "news": News.objects.filter(Q(school_class__isnull=True) | Q(school_class=pupil.school_class_id))[:5],
        "meetings": ParentMeeting.objects.filter(school_class=pupil.school_class_id)[:3],
    }


def remarks_of_week(pupil, monday):
    return Remark.objects.filter(
        pupil=pupil, created_at__date__range=(monday, monday + timedelta(days=6))
    ).select_related("author", "lesson__subject")


def family_threads(user):
    """The conversations a parent may still open at this school: about a child they are linked
    to now, or to the class of such a child. An ended link or a withdrawn child closes them."""
    return threads_for(user).open_to_family(user)


def parent_threads(user):
    """A parent's conversations with every child's school, newest first; each knows its school."""
    threads = []
    for school in parent_schools(user):
        with schema_context(school.schema_name):
            for thread in family_threads(user):
                thread.school = school
                threads.append(thread)
    return sorted(threads, key=lambda t: t.last_message_at, reverse=True)


# The menu's counts are on every page: plain SQL, one statement a school (the ORM's compiling of
# threads_for's annotations cost several milliseconds a page). The same counts as threads_for,
# family_threads and the unread notifications: tests/test_messaging.py compares them.
_UNREAD_MESSAGES = f"""
    SELECT count(*) FROM {ThreadMember._meta.db_table} tm
      JOIN {Message._meta.db_table} msg ON msg.thread_id = tm.thread_id
      JOIN {Thread._meta.db_table} t ON t.id = tm.thread_id
     WHERE tm.user_id = %s AND msg.author_id <> %s AND (tm.last_read_at IS NULL OR msg.created_at > tm.last_read_at)"""
# Guardian.live() and Thread.objects.open_to_family() in SQL.
_LIVE_LINKS = (
    f"{Guardian._meta.db_table} g JOIN {Pupil._meta.db_table} p ON p.id = g.pupil_id "
    "WHERE g.user_id = %s AND g.ended_at IS NULL AND g.consent_at IS NOT NULL AND p.withdrawn_on IS NULL"
)
_OPEN_TO_FAMILY = (
    f" AND (t.pupil_id IN (SELECT g.pupil_id FROM {_LIVE_LINKS})"
    f" OR t.pupil_id IS NULL AND t.school_class_id IN (SELECT p.school_class_id FROM {_LIVE_LINKS}))"
)


def unread_counts(user, school=None):
    """For the menu: messages from others and notifications not yet read — at a school's address
    that school's, at the portal those of every child's school."""
    if school is not None:  # staff see messages in the menu (their notices show on their start page)
        with connection.cursor() as cursor:
            cursor.execute(_UNREAD_MESSAGES, [user.pk, user.pk])
            return {"messages": cursor.fetchone()[0]}
    notices, notices_params = unread_count_sql(user)
    statement = f"SELECT ({_UNREAD_MESSAGES}{_OPEN_TO_FAMILY}), {notices}"
    counts = {"messages": 0, "notifications": 0}
    for found in parent_schools(user):
        with schema_context(found.schema_name), connection.cursor() as cursor:
            cursor.execute(statement, [user.pk] * 4 + notices_params)
            messages, notifications = cursor.fetchone()
        counts["messages"] += messages
        counts["notifications"] += notifications
    return counts


@dataclass
class Child:
    school: School
    pupil: Pupil  # read in its school's schema, with its class

    @property
    def pupil_id(self):
        return self.pupil.pk

    @property
    def full_name(self):
        return self.pupil.full_name

    @property
    def class_name(self):
        return str(self.pupil.school_class)


def class_plans(pupil, year):
    """The thematic plans of the pupil's class for the year, read-only for the family: each
    subject's topics with their planned date and the day a lesson covered them."""
    if year is None:
        return []
    plans = (
        ThematicPlan.objects.filter(school_class=pupil.school_class_id, year=year)
        .select_related("subject")
        .order_by("subject__name")
    )
    held = {}
    for topic_id, day in Lesson.objects.filter(planned_topic__plan__in=plans, cancelled_at__isnull=True).values_list(
        "planned_topic", "date"
    ):
        held[topic_id] = min(day, held.get(topic_id, day))
    found = []
    for plan in plans:
        topics = list(plan.topics.order_by("position"))
        for topic in topics:
            topic.held_on = held.get(topic.pk)
        found.append((plan.subject, topics))
    return found


NEW_MARKS = timedelta(days=7)


def overview(pupil, today=None):
    """A child's day on the start page: today's lessons with their marks and absences, the next
    school day's lessons with the homework due, and the marks of the last week (each with its
    date, work type and weight, readable without hovering). In the pupil's school's schema."""
    today = today or timezone.localdate()
    days = dict(week(pupil, today - timedelta(days=today.weekday())))
    marks = list(
        Mark.objects.live()
        .filter(pupil=pupil, lesson__date__range=(today - NEW_MARKS, today))
        .select_related("lesson__subject", "work_type")
        .order_by("-lesson__date", "-pk")
    )
    return {"today": days.get(today, []), "tomorrow": tomorrow(pupil, today), "new_marks": marks}


def children_of(user):
    """Every child a parent is linked to, with recorded consent, across all schools.
    One query for the schools, then one per school in that school's own schema."""
    children = []
    for school in parent_schools(user):
        with schema_context(school.schema_name):
            links = Guardian.objects.live().filter(user=user).select_related("pupil__school_class")
            children += [Child(school, link.pupil) for link in links]
    return children


def work_programmes(pupil, year):
    """The рабочие программы the school uploaded for the pupil's grade this year, by subject."""
    if year is None:
        return []
    return list(
        WorkProgramme.objects.filter(grade=pupil.school_class.grade, year=year, replaced_at=None)
        .select_related("subject")
        .order_by("subject__name")
    )


def portfolio_of(pupil):
    return list(PortfolioEntry.objects.filter(pupil=pupil, withdrawn_at__isnull=True))


# --- Every year the child studied ------------------------------------------------------


def same_child(one, other):
    """Two schools' records of one child: the same birth date and SNILS, or, where either has no
    SNILS, the same surname and first name."""
    if one.birth_date != other.birth_date:
        return False
    if one.snils and other.snils:
        return one.snils == other.snils
    return (one.last_name.casefold(), one.first_name.casefold()) == (
        other.last_name.casefold(),
        other.first_name.casefold(),
    )


def records_of_child(school, pupil, viewer):
    """The child's records in the district's schools, [(school, pupil)], this one first: in every
    other school where the viewer is (or was) a parent or the pupil, the records they are linked
    to — as the child themselves, or by a guardianship not ended and with consent — of the same
    child. A child who moved school keeps the old school's years in the diary."""
    found = [(school, pupil)]
    others = (
        School.objects.filter(membership__user=viewer, membership__role__in=[Role.PARENT, Role.PUPIL])
        .exclude(pk=school.pk)
        .distinct()
        .order_by("name")
    )
    for other in others:
        with schema_context(other.schema_name):
            linked = Q(user=viewer) | Q(
                pk__in=Guardian.objects.filter(user=viewer, ended_at__isnull=True, consent_at__isnull=False).values(
                    "pupil"
                )
            )
            found += [
                (other, p) for p in Pupil.objects.filter(linked, birth_date=pupil.birth_date) if same_child(pupil, p)
            ]
    return found


def year_record(pupil, year):
    """One school year of a pupil, by subject: the term and year marks, the current marks' count
    and weighted average, the lessons missed, the exam results (the last attempt). With the
    class the pupil was in that year."""
    terms = list(Term.objects.filter(year=year).order_by("starts_on", "scheme"))
    finals = list(FinalMark.objects.filter(pupil=pupil, year=year).select_related("subject", "school_class"))
    by_subject = {}

    def row(subject):
        return by_subject.setdefault(
            subject.pk, {"subject": subject, "terms": {}, "year": "", "marks": [], "missed": 0, "exams": []}
        )

    for final in finals:
        if final.term_id:
            row(final.subject)["terms"][final.term_id] = final.value
        else:
            row(final.subject)["year"] = final.value
    for mark in (
        Mark.objects.live()
        .filter(pupil=pupil, lesson__date__range=(year.starts_on, year.ends_on))
        .select_related("work_type", "lesson__subject")
    ):
        row(mark.lesson.subject)["marks"].append(mark)
    missed = (
        Attendance.objects.live()
        .filter(pupil=pupil, status=Attendance.Status.ABSENT, lesson__date__range=(year.starts_on, year.ends_on))
        .filter(lesson__cancelled_at__isnull=True)
        .values("lesson__subject")
        .annotate(n=Count("id"))
    )
    missed = {entry["lesson__subject"]: entry["n"] for entry in missed}
    for subject in Subject.objects.filter(pk__in=list(missed)):
        row(subject)["missed"] = missed[subject.pk]
    for result in (
        ExamResult.objects.filter(pupil=pupil, exam__year=year, exam__cancelled_at__isnull=True)
        .select_related("exam__subject")
        .order_by("exam__held_on", "attempt")
    ):
        row(result.exam.subject)["exams"].append(result)
    used = {t for r in by_subject.values() for t in r["terms"]}
    terms = [t for t in terms if t.pk in used]
    rows = sorted(by_subject.values(), key=lambda r: r["subject"].name)
    for r in rows:
        r["average"] = weighted_average(r["marks"])
        r["term_values"] = [r["terms"].get(t.pk, "") for t in terms]
    school_class = finals[0].school_class if finals else None
    if school_class is None:
        school_class = (
            Lesson.objects.filter(marks__pupil=pupil, date__range=(year.starts_on, year.ends_on))
            .select_related("school_class")
            .first()
        )
        school_class = (
            school_class.school_class
            if school_class
            else (pupil.school_class if pupil.school_class.year_id == year.pk else None)
        )
    return {"year": year, "school_class": school_class, "terms": terms, "rows": rows}


def years_of(school, pupil, viewer):
    """Every school year of the child in any of the district's schools, newest first:
    [{school, year, school_class, terms, rows}]."""
    found = []
    for where, record in records_of_child(school, pupil, viewer):
        with schema_context(where.schema_name):
            studied = AcademicYear.objects.filter(
                Q(pk__in=FinalMark.objects.filter(pupil=record).values("year"))
                | Q(pk__in=Term.objects.filter(lessons__marks__pupil=record).values("year"))
                | Q(pk=record.school_class.year_id)
                | Q(starts_on__lte=record.enrolled_on, ends_on__gte=record.enrolled_on)
            ).filter(starts_on__lte=timezone.localdate())
            for year in studied:
                found.append({"school": where, **year_record(record, year)})
    return sorted(found, key=lambda y: y["year"].starts_on, reverse=True)
