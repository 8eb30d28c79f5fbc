"""What needs doing today, for each role's start page (journal/home.html): reads only, a few
queries a role, in the school whose schema is active."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from . import rulebook
from .models import (
    Attendance,
    CheckRemark,
    Exam,
    Lesson,
    Mark,
    PortfolioEntry,
    Pupil,
    SchoolClass,
    TeacherAbsence,
    Term,
)

SOON = timedelta(days=14)  # a term's end this near puts its final marks on the start page
MISSING = Q(topic="") | Q(attendance_taken_at__isnull=True) | Q(homework="", homework_none=False)


def missing(lesson):
    """What a lesson of today or before still lacks, in words."""
    gaps = []
    if not lesson.topic:
        gaps.append(_("тема"))
    if lesson.attendance_taken_at is None:
        gaps.append(_("посещаемость"))
    if not lesson.homework and not lesson.homework_none:
        gaps.append(_("домашнее задание"))
    return gaps


def teacher_day(user, today):
    """Today's lessons (on a day without any, the next day that has some), each with what it
    still lacks; and the earlier lessons of the running terms that still lack something."""
    mine = (
        Lesson.objects.conducted_by(user)
        .filter(cancelled_at__isnull=True)
        .select_related("school_class", "subject", "subgroup")
    )
    day = (
        today
        if mine.filter(date=today).exists()
        else mine.filter(date__gt=today).order_by("date").values_list("date", flat=True).first()
    )
    lessons = list(mine.filter(date=day).order_by("number")) if day else []
    for lesson in lessons:
        lesson.gaps = missing(lesson) if lesson.date <= today else []
    running = Term.objects.filter(starts_on__lte=today, ends_on__gte=today)
    behind = list(mine.filter(MISSING, date__lt=today, term__in=running).order_by("-date", "number")[:20])
    for lesson in behind:
        lesson.gaps = missing(lesson)
    return {
        "day": day,
        "lessons": lessons,
        "behind": behind,
        "behind_count": mine.filter(MISSING, date__lt=today, term__in=running).count(),
        "exams": exams_awaiting_results(user, today),
        # The deputy's remarks still to fix (journal.services.checks).
        "remarks": list(
            CheckRemark.objects.filter(teacher=user, state=CheckRemark.State.OPEN).select_related(
                "journal_check__school_class", "journal_check__subject"
            )
        ),
    }


def exams_awaiting_results(user, today):
    """The exams of the journals a teacher keeps (by the load or the timetable), held by today,
    where a pupil has no result yet: for the teacher's start page, with the day results are due."""
    which = Q(pk__in=[])
    for class_id, subject_id in rulebook.journals_taught_by(user):
        which |= Q(school_class=class_id, subject=subject_id)
    waiting = []
    for exam in Exam.objects.filter(
        which, cancelled_at__isnull=True, held_on__lte=today, year__closed_at__isnull=True
    ).select_related("school_class", "subject"):
        exam.left = exam.without_result().count()
        if exam.left:
            waiting.append(exam)
    return waiting


def terms_ending(today):
    return Term.objects.filter(ends_on__gte=today, ends_on__lte=today + SOON).order_by("ends_on")


def class_teacher_day(user, today):
    """For each class the person leads: today's absences, absences of the last two weeks still
    without a reason, pupils whose families are not connected yet, portfolio entries to confirm."""
    found = []
    for school_class in SchoolClass.objects.open().filter(class_teacher=user):
        absent_today = (
            Attendance.objects.live()
            .filter(lesson__school_class=school_class, lesson__date=today)
            .select_related("pupil", "lesson__subject")
            .order_by("pupil__last_name", "lesson__number")
        )
        no_reason = (
            Attendance.objects.live()
            .filter(
                lesson__school_class=school_class,
                lesson__date__range=(today - SOON, today),
                status=Attendance.Status.ABSENT,
                reason="",
            )
            .count()
        )
        unconnected = (
            Pupil.objects.listed_in(school_class)
            .filter(withdrawn_on__isnull=True)
            .annotate(
                n=Count("guardians", filter=Q(guardians__ended_at__isnull=True, guardians__consent_at__isnull=False))
            )
            .filter(n=0)
            .order_by("last_name", "first_name")
        )
        found.append(
            {
                "school_class": school_class,
                "absent": list(absent_today),
                "no_reason": no_reason,
                "unconnected": list(unconnected),
                "portfolio": PortfolioEntry.objects.filter(
                    pupil__school_class=school_class,
                    withdrawn_at__isnull=True,
                    confirmed_at__isnull=True,
                    declined_reason="",
                ).count(),
            }
        )
    return found


def deputy_day(today, user=None):
    """Today's lessons of teachers recorded absent that nobody covers yet, today's substitutions,
    and the teachers with the most earlier lessons still lacking something."""
    away = TeacherAbsence.objects.filter(withdrawn_at__isnull=True, starts_on__lte=today, ends_on__gte=today)
    uncovered = list(
        Lesson.objects.filter(
            date=today, cancelled_at__isnull=True, taught_by__isnull=True, teacher__in=away.values("teacher")
        )
        .select_related("school_class", "subject", "teacher")
        .order_by("number")
    )
    absences = {a.teacher_id: a for a in away}
    for lesson in uncovered:
        lesson.absence = absences.get(lesson.teacher_id)
    running = Term.objects.filter(starts_on__lte=today, ends_on__gte=today)
    behind = (
        Lesson.objects.filter(MISSING, date__lt=today, cancelled_at__isnull=True, term__in=running)
        .values("teacher", "teacher__last_name", "teacher__first_name", "teacher__middle_name")
        .annotate(n=Count("pk"))
        .order_by("-n")[:5]
    )
    return {
        "to_confirm": list(
            CheckRemark.objects.filter(state=CheckRemark.State.FIXED, journal_check__checked_by=user).select_related(
                "journal_check__school_class", "journal_check__subject", "teacher"
            )
        ),
        "overdue": CheckRemark.objects.filter(state=CheckRemark.State.OPEN, due_on__lt=today).count(),
        "uncovered": uncovered,
        "substituted": Lesson.objects.filter(date=today, taught_by__isnull=False, cancelled_at__isnull=True).count(),
        "behind": list(behind),
    }


def school_month(today):
    """The director's month at a glance: lessons given, with a topic, with attendance; marks;
    the share of pupil-lessons missed."""
    first = today.replace(day=1)
    given = Lesson.objects.filter(date__range=(first, today), cancelled_at__isnull=True)
    counts = given.aggregate(
        lessons=Count("pk"),
        with_topic=Count("pk", filter=~Q(topic="")),
        with_attendance=Count("pk", filter=Q(attendance_taken_at__isnull=False)),
    )
    counts["marks"] = Mark.objects.live().filter(lesson__in=given).count()
    counts["absences"] = Attendance.objects.live().filter(lesson__in=given, status=Attendance.Status.ABSENT).count()
    counts["pupils"] = Pupil.objects.filter(withdrawn_on__isnull=True).count()
    counts["first"] = first
    return counts


def start_page(user, roles, today=None):
    """Everything the person's start page shows, by role."""
    today = today or timezone.localdate()
    page = {"today": today}
    if roles & rulebook.TEACHING:
        page["teacher"] = teacher_day(user, today)
    if Role.CLASS_TEACHER in roles:
        page["led"] = class_teacher_day(user, today)
    if Role.DEPUTY in roles:
        page["deputy"] = deputy_day(today, user)
    if Role.DIRECTOR in roles:
        page["month"] = school_month(today)
    if roles & (rulebook.TEACHING | rulebook.READ_ALL):
        page["terms_ending"] = list(terms_ending(today))
    return page
