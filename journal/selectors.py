"""Reads that build the school's pages and the parents' list of children."""

import calendar
from datetime import timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, IntegerField, Prefetch, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Role, User
from audit.models import AuditEntry
from groundwork.days import day_from, next_month
from groundwork.names import short_name_in

from . import rulebook
from .models import (
    AcademicYear,
    Attendance,
    Bell,
    CurriculumItem,
    Exam,
    ExamResult,
    FinalMark,
    GradeScheme,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    PlannedTopic,
    ProgrammeNote,
    Pupil,
    PupilMovement,
    Reopening,
    Rules,
    SchoolClass,
    Subgroup,
    Subject,
    TeacherAbsence,
    TeachingLoad,
    Term,
    ThematicPlan,
    TimetableSlot,
    WorkType,
)


def teachers_of(school):
    """The people who teach at this school now (as teacher or class teacher), each once."""
    teaching = Membership.objects.at(school).filter(role__in=sorted(rulebook.TEACHING))
    return User.objects.filter(pk__in=teaching.values("user_id"))


HEAD_WORDS = {
    Role.DIRECTOR: gettext_lazy("директор"),
    Role.DEPUTY: gettext_lazy("заместитель директора"),
    Role.SCHOOL_ADMIN: gettext_lazy("администратор ЭЖ"),
    Role.CLERK: gettext_lazy("секретарь учебной части"),
}


def staff_labels(school, people, school_class=None):
    """What each of `people` is at the school, in words, for whoever chooses whom to write to:
    «заместитель директора», «учитель: Математика, Музыка; классный руководитель 5А». With
    `school_class`, only the subjects they teach in that class. Four queries."""
    ids = [person.pk for person in people]
    subjects = {}
    loads = TeachingLoad.objects.filter(teacher__in=ids)
    slots = TimetableSlot.objects.filter(teacher__in=ids)
    if school_class is not None:
        loads, slots = loads.filter(school_class=school_class), slots.filter(school_class=school_class)
    for teacher, name in [
        *loads.values_list("teacher", "subject__name"),
        *slots.values_list("teacher", "subject__name"),
    ]:
        subjects.setdefault(teacher, set()).add(name)
    led = {}
    for school_class_ in SchoolClass.objects.open().filter(class_teacher__in=ids):
        led.setdefault(school_class_.class_teacher_id, []).append(str(school_class_))
    heads = {}
    for user_id, role in (
        Membership.objects.at(school).filter(user__in=ids, role__in=list(HEAD_WORDS)).values_list("user", "role")
    ):
        heads.setdefault(user_id, []).append(str(HEAD_WORDS[role]))
    labels = {}
    for person in people:
        parts = [*heads.get(person.pk, [])]
        if subjects.get(person.pk):
            parts.append(_("учитель: ") + ", ".join(sorted(subjects[person.pk])))
        if led.get(person.pk):
            parts.append(_("классный руководитель ") + ", ".join(sorted(led[person.pk])))
        labels[person.pk] = "; ".join(parts)
    return labels


def classes_with_counts(year=None):
    """The classes of the running year (of a past `year`, with its list kept at the year's end)."""
    if year is not None and year.closed_at:
        classes = list(SchoolClass.objects.filter(year=year).select_related("class_teacher", "year"))
        for school_class in classes:
            school_class.pupil_count = Pupil.objects.listed_in(school_class).count()
        return classes
    return (
        SchoolClass.objects.open()
        .select_related("class_teacher")
        .order_by("grade", "letter")
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__withdrawn_on__isnull=True)))
    )


def class_roster(school_class):
    """The class list with the parents' links, in two queries."""
    return list(
        Pupil.objects.listed_in(school_class).annotate(
            parent_count=Count(
                "guardians", filter=Q(guardians__ended_at__isnull=True, guardians__consent_at__isnull=False)
            )
        )
    )


def family_of(pupil):
    """Who is told about a pupil: every parent with recorded consent, and the pupil's own account."""
    return families_of([pupil])[pupil.pk]


def families_of(pupils):
    """family_of for several pupils in one query, by pupil id."""
    families = {pupil.pk: [] for pupil in pupils}
    parents = Guardian.objects.filter(pupil__in=list(families), ended_at__isnull=True, consent_at__isnull=False)
    own = Pupil.objects.filter(pk__in=list(families), user__isnull=False)
    for pupil_id, user_id in parents.values_list("pupil_id", "user_id").union(own.values_list("pk", "user_id")):
        families[pupil_id].append(user_id)
    return families


def live_guardians(pupils):
    """Parents linked to these pupils now, by pupil id."""
    by_pupil = {}
    for link in Guardian.objects.live().filter(pupil__in=pupils).select_related("user").order_by("created_at"):
        by_pupil.setdefault(link.pupil_id, []).append(link)
    return by_pupil


def school_figures():
    """The counts a school reports to the district: numbers only, no names."""
    pupils = Pupil.objects.enrolled()
    return {
        "classes": SchoolClass.objects.open().count(),
        "pupils": pupils.count(),
        "pupils_with_parent": pupils.filter(guardians__ended_at__isnull=True, guardians__consent_at__isnull=False)
        .distinct()
        .count(),
        "active_pupils": pupils.filter(user__last_login__gte=timezone.now() - timedelta(days=30)).count(),
    }


# --- The journal ---------------------------------------------------------------------


def monday_of(text):
    """The Monday of the week holding an ISO date (a `?week=` parameter); this week if it is no date."""
    day = day_from(text) or timezone.localdate()
    return day - timedelta(days=day.isoweekday() - 1)


def weighted_average(marks):
    """Σ value × weight / Σ weight over numeric marks; None when there are none."""
    total = weights = Decimal(0)
    for mark in marks:
        if mark.numeric is not None:
            total += mark.numeric * mark.work_type.weight
            weights += mark.work_type.weight
    return (total / weights).quantize(Decimal("0.01")) if weights else None


def suggested_final(average, rules):
    """The school's rounding rule: 3.49 -> 3, 3.5 -> 4 with the default threshold 0.5."""
    if average is None:
        return None
    whole = average.to_integral_value(rounding=ROUND_FLOOR)
    return str(int(whole + (1 if average - whole >= rules.rounding_threshold else 0)))


def terms_of(school_class, year):
    scheme = GradeScheme.objects.filter(year=year, grade=school_class.grade).values("scheme")
    return Term.objects.filter(year=year, scheme__in=scheme)


def teacher_week(user, monday):
    """A teacher's lessons of one week: their own and the ones they took over as a substitute."""
    return _week(Q(teacher=user, taught_by__isnull=True) | Q(taught_by=user) | Q(kept_by=user), monday)


def class_week(school_class, monday):
    """A class's lessons of one week, every subgroup's, with who teaches each."""
    return _week(Q(school_class=school_class), monday)


def _week(which, monday):
    lessons = (
        Lesson.objects.filter(date__range=(monday, monday + timedelta(days=6)))
        .filter(which)
        .select_related("school_class", "subject", "subgroup", "teacher", "taught_by")
        .order_by("date", "number")
    )
    bells = {b.number: b for b in Bell.objects.all()}
    days = {}
    for lesson in lessons:
        lesson.bell = bells.get(lesson.number)
        days.setdefault(lesson.date, []).append(lesson)
    return [(monday + timedelta(days=n), days.get(monday + timedelta(days=n), [])) for n in range(6)]


def day_lessons(day):
    """A school day's lessons with who teaches them: the deputy's substitution sheet."""
    return (
        Lesson.objects.filter(date=day)
        .select_related("school_class", "subject", "subgroup", "teacher", "taught_by")
        .order_by("number", "school_class__grade", "school_class__letter")
    )


def cover_plan(absence, school):
    """The absence's lessons by day, as [(day, [lesson])]. A covered lesson carries its substitute
    (`taught_by`); an uncovered one `free`, as (teacher, teaches the subject, substitutions this
    month): the teachers with no lesson of their own in that period and not away that day, the
    subject's own teachers first, then the fewest substitutions. Six queries, whatever the length
    of the absence."""
    span = (absence.starts_on, absence.ends_on)
    lessons = list(
        Lesson.objects.filter(teacher=absence.teacher_id, date__range=span, cancelled_at__isnull=True)
        .select_related("school_class", "subject", "subgroup", "taught_by")
        .order_by("date", "number")
    )
    teachers = list(teachers_of(school).exclude(pk=absence.teacher_id).order_by("last_name", "first_name"))
    busy = {
        (day, number, taught_by or teacher)
        for day, number, teacher, taught_by in Lesson.objects.filter(
            date__range=span, cancelled_at__isnull=True
        ).values_list("date", "number", "teacher", "taught_by")
    }
    away = list(
        TeacherAbsence.objects.filter(
            withdrawn_at__isnull=True, starts_on__lte=absence.ends_on, ends_on__gte=absence.starts_on
        ).values_list("teacher", "starts_on", "ends_on")
    )
    subjects = {}
    for teacher, subject in TeachingLoad.objects.values_list("teacher", "subject"):
        subjects.setdefault(teacher, set()).add(subject)
    first, after = absence.starts_on.replace(day=1), next_month(absence.starts_on)
    taken = dict(
        Lesson.objects.filter(taught_by__isnull=False, date__gte=first, date__lt=after)
        .values("taught_by")
        .annotate(n=Count("pk"))
        .values_list("taught_by", "n")
    )
    days = {}
    for lesson in lessons:
        if lesson.taught_by_id is None:
            free = [
                (t, lesson.subject_id in subjects.get(t.pk, ()), taken.get(t.pk, 0))
                for t in teachers
                if (lesson.date, lesson.number, t.pk) not in busy
                and not any(who == t.pk and s <= lesson.date <= e for who, s, e in away)
            ]
            lesson.free = sorted(free, key=lambda f: (not f[1], f[2]))
        days.setdefault(lesson.date, []).append(lesson)
    return list(days.items())


def substitutions_of(user, since):
    """The lessons a teacher teaches as a substitute, from a day on."""
    return (
        Lesson.objects.filter(taught_by=user, date__gte=since)
        .select_related("school_class", "subject", "teacher")
        .order_by("date", "number")
    )


def lessons_to_take_over(user, roles, day):
    """Colleagues' lessons of the day that this teacher may take over themselves."""
    lessons = day_lessons(day).filter(taught_by__isnull=True, cancelled_at__isnull=True).exclude(teacher=user)
    return [lesson for lesson in lessons if rulebook.can_take_over(user, roles, lesson, today=day)]


def my_journals(user, roles):
    """The class × subject journals a person may open (a substitution opens none)."""
    pairs = Lesson.objects.filter(rulebook.journals_readable_by(user, roles))
    pairs = pairs.order_by().values("school_class", "subject").distinct()
    classes = {c.pk: c for c in SchoolClass.objects.open()}  # a past year's: from its class page
    subjects = {s.pk: s for s in Subject.objects.all()}
    journals = [(classes[p["school_class"]], subjects[p["subject"]]) for p in pairs if p["school_class"] in classes]
    return sorted(journals, key=lambda cs: (cs[0].grade, cs[0].letter, cs[1].name))


def journal_grid(school_class, subject, term):
    """The class journal of one subject for one term: pupils down, lessons across, the
    weighted average and the final mark at the end. A fixed number of queries, whatever
    the size of the class (tests/test_journal_pages.py counts them)."""
    # A cancelled lesson leaves the grid, unless it holds marks: those stay in sight (and in the average).
    lessons = list(
        Lesson.objects.filter(school_class=school_class, subject=subject, term=term)
        .filter(Q(cancelled_at__isnull=True) | Q(pk__in=Mark.objects.live().values("lesson")))
        .select_related("subgroup")
        .order_by("date", "number")
    )
    lesson_ids = [lesson.pk for lesson in lessons]
    in_class = Pupil.objects.in_class_on(school_class, term.starts_on) | Pupil.objects.in_class_on(
        school_class, min(term.ends_on, timezone.localdate())
    )
    # Who has a mark in these lessons as a subquery: a join to the marks would read every mark of
    # the school's pupils and grow with the school, not the class (issue 36).
    marked = Mark.objects.filter(lesson__in=lesson_ids).values("pupil")
    pupils = list(
        Pupil.objects.filter(Q(pk__in=in_class.values("pk")) | Q(pk__in=marked))
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=term.starts_on))
        .prefetch_related("subgroups")
    )
    finished_here = set(
        PupilMovement.objects.filter(from_class=school_class, kind__in=PupilMovement.YEAR_END).values_list(
            "pupil", flat=True
        )
    )
    # The few work types once, rather than one joined per mark: building a model object per mark
    # and per joined row is most of this function's time.
    work_types = {w.pk: w for w in WorkType.objects.all()}
    marks = (
        Mark.objects.live()
        .filter(lesson__in=lesson_ids)
        .only("pupil_id", "lesson_id", "value", "work_type_id", "comment")
    )
    absences = Attendance.objects.live().filter(lesson__in=lesson_ids)
    finals = {f.pupil_id: f for f in FinalMark.objects.filter(term=term, subject=subject, pupil__in=pupils)}
    cells = {}
    for mark in marks:
        mark.work_type = work_types[mark.work_type_id]
        cells.setdefault((mark.pupil_id, mark.lesson_id), {"marks": [], "attendance": None})["marks"].append(mark)
    for entry in absences:
        cells.setdefault((entry.pupil_id, entry.lesson_id), {"marks": [], "attendance": None})["attendance"] = entry
    rules = Rules.get()
    rows = []
    for pupil in sorted(pupils, key=lambda p: (p.last_name, p.first_name, p.middle_name)):
        groups = {g.pk for g in pupil.subgroups.all()}
        row_cells, all_marks = [], []
        for lesson in lessons:
            cell = cells.get((pupil.pk, lesson.pk), {"marks": [], "attendance": None})
            cell["lesson"] = lesson
            cell["applies"] = lesson.subgroup_id is None or lesson.subgroup_id in groups
            row_cells.append(cell)
            all_marks += cell["marks"]
        average = weighted_average(all_marks)
        rows.append(
            {
                "pupil": pupil,
                "cells": row_cells,
                "average": average,
                "suggested": suggested_final(average, rules),
                "final": finals.get(pupil.pk),
                "left": (pupil.school_class_id != school_class.pk and pupil.pk not in finished_here)
                or bool(pupil.withdrawn_on and pupil.withdrawn_on < term.ends_on),
            }
        )
    return {"lessons": lessons, "rows": rows, "work_types": list(work_types.values()), "rules": rules}


def cell_history(lesson, pupil):
    """Every change to one pupil's marks and attendance in one lesson, oldest first."""
    mark_ids = list(Mark.objects.filter(lesson=lesson, pupil=pupil).values_list("pk", flat=True))
    attendance_ids = list(Attendance.objects.filter(lesson=lesson, pupil=pupil).values_list("pk", flat=True))
    return (
        AuditEntry.objects.filter(
            Q(target_type="journal.mark", target_id__in=mark_ids)
            | Q(target_type="journal.attendance", target_id__in=attendance_ids)
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def pupils_of(lesson):
    """Who sits in this lesson: the class (or the subgroup) on the lesson's day."""
    pupils = Pupil.objects.in_class_on(lesson.school_class_id, lesson.date)
    if lesson.subgroup_id:
        pupils = pupils.filter(subgroups=lesson.subgroup_id)
    return pupils


def usual_work_type_id(lesson):
    """The work type this class's marks in this subject mostly have (the lesson page's and the
    grid's default); before its first mark, the one most used in the school this month; None
    before the school's first mark. The journal's own marks first, by themselves: counted
    together with the school's month, the query grew with the school."""

    def most_used(marks):
        found = marks.values("work_type").annotate(n=Count("id")).order_by("-n", "work_type").first()
        return found["work_type"] if found else None

    # The journal's lessons as a list: joined, PostgreSQL reads every mark of the school once a
    # school has a few terms of them.
    lessons = Lesson.objects.filter(school_class=lesson.school_class_id, subject=lesson.subject_id)
    live = Mark.objects.live()
    return most_used(live.filter(lesson__in=list(lessons.values_list("pk", flat=True)))) or most_used(
        live.filter(lesson__date__gte=timezone.localdate() - timedelta(days=30))
    )


def lesson_sheet(lesson):
    """The lesson page: who sits in it, with their marks and attendance."""
    marks = Prefetch(
        "marks", queryset=Mark.objects.filter(lesson=lesson).select_related("work_type"), to_attr="lesson_marks"
    )
    attendance = Prefetch(
        "attendance", queryset=Attendance.objects.live().filter(lesson=lesson), to_attr="lesson_attendance"
    )
    pupils = list(pupils_of(lesson).prefetch_related(marks, attendance).order_by("last_name", "first_name"))
    for pupil in pupils:
        pupil.status = pupil.lesson_attendance[0].status if pupil.lesson_attendance else ""
    return pupils


def plan_coverage(plan, on):
    """Planned topics with the lessons matched to them; how many were taught of all, and of those
    planned by `on` (as Q11 counts: a topic taught before its date is not yet due)."""
    topics = list(
        plan.topics.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.filter(cancelled_at__isnull=True).order_by("date"))
        )
    )
    due = [t for t in topics if t.due_on is not None and t.due_on <= on]
    return topics, {
        "taught": sum(1 for t in topics if t.lessons.all()),
        "total": len(topics),
        "taught_due": sum(1 for t in due if t.lessons.all()),
        "due": len(due),
    }


def plan_for(school_class, subject, year):
    return ThematicPlan.objects.filter(school_class=school_class, subject=subject, year=year).first()


def open_topics(lesson):
    plan = ThematicPlan.objects.filter(
        school_class=lesson.school_class, subject=lesson.subject, year=lesson.term.year_id
    ).first()
    return list(PlannedTopic.objects.filter(plan=plan)) if plan else []


def summary_sheet(school_class, year):
    """Сводная ведомость итоговой успешности: every pupil of the class in the year × every subject
    of its curriculum (and any subject that has a final mark), term marks and the year mark —
    exactly the final marks as set, nothing computed."""
    terms = list(terms_of(school_class, year).order_by("number"))
    finals = list(FinalMark.objects.filter(school_class=school_class, year=year).select_related("subject", "pupil"))
    subjects = {
        item.subject for item in CurriculumItem.objects.filter(grade=school_class.grade).select_related("subject")
    }
    subjects |= {final.subject for final in finals}
    subjects = sorted(subjects, key=lambda subject: subject.name)
    pupils = {pupil.pk: pupil for pupil in Pupil.objects.listed_in(school_class)}
    pupils |= {final.pupil_id: final.pupil for final in finals}
    marks = {(f.pupil_id, f.subject_id, f.term_id): f.value for f in finals}
    rows = [
        {
            "pupil": pupil,
            "subjects": [
                [marks.get((pupil.pk, subject.pk, term.pk), "") for term in terms]
                + [marks.get((pupil.pk, subject.pk, None), "")]
                for subject in subjects
            ],
        }
        for pupil in sorted(pupils.values(), key=lambda p: (p.last_name, p.first_name, p.middle_name))
    ]
    return {"terms": terms, "subjects": subjects, "rows": rows}


def missed_and_substituted(month, teacher=None):
    """The month's lessons (`month`: its first day) each teacher did not give (cancelled, or given
    by a substitute) and the ones they gave for a colleague — the deputy's and the bookkeeper's
    record for pay."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    lessons = (
        Lesson.objects.filter(date__range=(month, last))
        .filter(Q(cancelled_at__isnull=False) | Q(taught_by__isnull=False))
        .select_related("school_class", "subject", "teacher", "taught_by")
        .order_by("date", "number")
    )
    if teacher is not None:
        lessons = lessons.filter(Q(teacher=teacher) | Q(taught_by=teacher))
    people = {}
    for lesson in lessons:
        if lesson.taught_by_id != lesson.teacher_id:
            people.setdefault(lesson.teacher, {"missed": [], "took_over": []})["missed"].append(lesson)
        if lesson.taught_by_id and not lesson.cancelled_at:
            people.setdefault(lesson.taught_by, {"missed": [], "took_over": []})["took_over"].append(lesson)
    if teacher is not None:
        people = {person: found for person, found in people.items() if person.pk == teacher.pk}
    return [
        {"teacher": person, **found, "entries": _missed_entries(found)}
        for person, found in sorted(people.items(), key=lambda item: (item[0].last_name, item[0].first_name))
    ]


def _missed_entries(found):
    """Each lesson with what happened and why, in the words the page and the XLSX both show."""
    entries = [
        (
            lesson,
            _("не провёл(а): отменён")
            if lesson.cancelled_at
            else _("не провёл(а): провёл(а) %(short_name)s") % {"short_name": lesson.taught_by.short_name},
            lesson.cancel_reason if lesson.cancelled_at else lesson.get_substitution_reason_display(),
        )
        for lesson in found["missed"]
    ]
    return entries + [
        (
            lesson,
            _("замена за %(short_name_in)s") % {"short_name_in": short_name_in(lesson.teacher, "accusative")},
            lesson.get_substitution_reason_display(),
        )
        for lesson in found["took_over"]
    ]


def current_year():
    return AcademicYear.on(timezone.localdate()) or AcademicYear.objects.first()


def setup_lists(year):
    return {
        "years": AcademicYear.objects.all(),
        "schemes": GradeScheme.objects.filter(year=year).order_by("grade") if year else [],
        "terms": Term.objects.filter(year=year) if year else [],
        "holidays": Holiday.objects.filter(year=year) if year else [],
        "subjects": Subject.objects.all(),
        "work_types": WorkType.objects.all(),
        "classes": SchoolClass.objects.open().select_related("class_teacher"),
        "curriculum": CurriculumItem.objects.select_related("subject"),
        "loads": TeachingLoad.objects.select_related("teacher", "subject", "school_class", "subgroup").order_by(
            "school_class__grade", "school_class__letter", "subject__name"
        ),
        "bells": Bell.objects.all(),
        "slots": TimetableSlot.objects.filter(valid_to__isnull=True)
        .select_related("school_class", "subgroup", "subject", "teacher")
        .order_by("school_class__grade", "school_class__letter", "weekday", "number"),
    }


def class_absences(school_class):
    """Absences of a class in the running and the last term, newest first, for the class teacher."""
    return (
        Attendance.objects.live()
        .filter(pupil__school_class=school_class, lesson__date__gte=timezone.localdate() - timedelta(days=120))
        .select_related("pupil", "lesson__subject")
        .order_by("-lesson__date", "lesson__number")
    )


def control_lists():
    today = timezone.localdate()
    rules = Rules.get()
    terms = [(term, term.locks_on(rules) <= today) for term in Term.objects.select_related("year")]
    ended = Term.objects.filter(ends_on__lt=today, ends_on__gte=today - timedelta(days=60)).order_by("-ends_on")
    return {
        "terms": terms,
        "missing_finals": [(term, journals_missing_final_marks(term)) for term in ended],
        "exams_late": exams_late(today),
        "reopenings": Reopening.objects.select_related("term", "school_class", "subject", "reopened_by").order_by(
            "-reopened_at"
        ),
    }


def final_sheet(school_class, subject, year):
    """Term marks and the year mark of a class in one subject; the year mark is suggested from
    the term marks by the school's rounding rule (сводная ведомость for one subject)."""
    terms = list(terms_of(school_class, year))
    pupils = list(Pupil.objects.listed_in(school_class))
    finals = FinalMark.objects.filter(subject=subject, year=year, pupil__in=pupils)
    by_pupil = {}
    for final in finals:
        by_pupil.setdefault(final.pupil_id, {})[final.term_id] = final
    rules = Rules.get()
    rows = []
    for pupil in pupils:
        marks = by_pupil.get(pupil.pk, {})
        term_marks = [marks.get(term.pk) for term in terms]
        numeric = [int(m.value) for m in term_marks if m and m.value.isdigit()]
        average = (Decimal(sum(numeric)) / len(numeric)).quantize(Decimal("0.01")) if numeric else None
        rows.append(
            {"pupil": pupil, "terms": term_marks, "suggested": suggested_final(average, rules), "year": marks.get(None)}
        )
    return {"terms": terms, "rows": rows}


# --- Term and year reports ----------------------------------------------------------

FAILING = {"2", "1", "нз", "н/а"}
ABSENCE_REASONS = [(value or "none", label) for value, label in Attendance.Reason.choices]


def period_dates(year, term):
    """The first and last day of a term, or of the school year (term None)."""
    return (term.starts_on, term.ends_on) if term else (year.starts_on, year.ends_on)


def standing(values):
    """A pupil's standing from the period's final marks (зачёт and освобождён do not count):
    failing (a "2", "1", незачёт or не аттестован), excellent (only "5"), good (only "4" and "5"),
    one_three (one "3", the rest "4" and "5"), threes, passed (only зачёт or освобождён), or None
    without any final mark."""
    if not values:
        return None
    if FAILING & set(values):
        return "failing"
    numbers = [v for v in values if v in ("3", "4", "5")]
    threes = numbers.count("3")
    if not numbers:
        return "passed"
    if threes == 0:
        return "excellent" if set(numbers) == {"5"} else "good"
    return "one_three" if threes == 1 else "threes"


def share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def progress_report(classes, year, term=None):
    """Успеваемость (share of attested pupils without a failing final mark), качество знаний
    (share with only "4" and "5"), the pupils by standing, and the period's absences by reason,
    per pupil and per subject — for each class, and their total. Counted from the final marks as
    set for the period (term marks, or year marks) in the class the pupil was in at the time."""
    first, last = period_dates(year, term)
    rows = []
    for school_class in classes:
        finals = FinalMark.objects.filter(school_class=school_class, year=year, term=term).select_related(
            "pupil", "subject"
        )
        marks = {}
        for final in finals:
            marks.setdefault(final.pupil, []).append(final)
        listed = Pupil.objects.in_class_on(school_class, min(last, timezone.localdate()))
        if school_class.is_closed:
            listed = Pupil.objects.listed_in(school_class)
        pupils = sorted(set(marks) | set(listed), key=lambda p: (p.last_name, p.first_name, p.middle_name))
        required = marked_subjects_taught(school_class, first, last)
        by_standing = {key: [] for key in ("excellent", "good", "one_three", "threes", "passed", "failing", None)}
        for pupil in pupils:
            pupil_marks = marks.get(pupil, [])
            missing = sorted(
                (s for s in required.values() if s.pk not in {f.subject_id for f in pupil_marks}), key=lambda s: s.name
            )
            # Attested only with a final mark in every marked subject the class was taught.
            found = None if missing else standing([f.value for f in pupil_marks])
            entry = {"pupil": pupil, "missing": [s.name for s in missing]}
            if found == "one_three":
                entry["subject"] = next(f.subject for f in pupil_marks if f.value == "3")
            if found == "failing":
                entry["subjects"] = [f"{f.subject.name} ({f.value})" for f in pupil_marks if f.value in FAILING]
            by_standing[found].append(entry)
        attested = len(pupils) - len(by_standing[None])
        rows.append(
            {
                "school_class": school_class,
                "pupils": len(pupils),
                "attested": attested,
                "excellent": by_standing["excellent"],
                "good": by_standing["good"],
                "one_three": by_standing["one_three"],
                "threes": len(by_standing["threes"]),
                "passed": len(by_standing["passed"]),
                "failing": by_standing["failing"],
                "not_attested": by_standing[None],
                "progress": share(attested - len(by_standing["failing"]), attested),
                "quality": share(len(by_standing["excellent"]) + len(by_standing["good"]), attested),
                "absences": absences_by_reason(school_class, first, last),
                "exam_debts": exam_debts(school_class, first, last),
            }
        )
    return {"first": first, "last": last, "classes": rows, "totals": _progress_totals(rows)}


def exam_debts(school_class, first, last):
    """Академическая задолженность: pupils whose last attempt at an exam of the class held in
    the period failed — [{"pupil", "subjects"}] (a retake passed clears it)."""
    last_attempts = {}
    for result in (
        ExamResult.objects.filter(
            exam__school_class=school_class, exam__cancelled_at__isnull=True, exam__held_on__range=(first, last)
        )
        .select_related("pupil", "exam__subject")
        .order_by("attempt")
    ):
        last_attempts[(result.pupil_id, result.exam_id)] = result
    debts = {}
    for result in last_attempts.values():
        if result.failed:
            debts.setdefault(result.pupil, []).append(f"{result.exam.subject.name} ({result.value})")
    return [
        {"pupil": pupil, "subjects": subjects}
        for pupil, subjects in sorted(debts.items(), key=lambda item: (item[0].last_name, item[0].first_name))
    ]


def marked_subjects_taught(school_class, first, last):
    """{id: subject} of the marked subjects with lessons held in the class between the days."""
    ids = (
        Lesson.objects.filter(
            school_class=school_class, date__range=(first, last), cancelled_at__isnull=True, subject__is_marked=True
        )
        .values("subject")
        .distinct()
    )
    return {subject.pk: subject for subject in Subject.objects.filter(pk__in=ids)}


def journals_missing_final_marks(term):
    """The class × subject journals of a term where a pupil listed at its end has no final mark
    yet: [(class, subject, pupils without one)], for the deputy's control page."""
    found = []
    for school_class in SchoolClass.objects.filter(
        pk__in=Lesson.objects.filter(term=term).values("school_class")
    ).order_by("grade", "letter"):
        pupils = set(Pupil.objects.in_class_on(school_class, term.ends_on).values_list("pk", flat=True))
        if not pupils:
            continue
        given = {}
        for subject_id, pupil_id in FinalMark.objects.filter(school_class=school_class, term=term).values_list(
            "subject", "pupil"
        ):
            given.setdefault(subject_id, set()).add(pupil_id)
        for subject in marked_subjects_taught(school_class, term.starts_on, term.ends_on).values():
            left = len(pupils - given.get(subject.pk, set()))
            if left:
                found.append((school_class, subject, left))
    return found


def _progress_totals(rows):
    attested = sum(r["attested"] for r in rows)
    counts = {key: sum(len(r[key]) for r in rows) for key in ("excellent", "good", "one_three", "failing")}
    return {
        "pupils": sum(r["pupils"] for r in rows),
        "attested": attested,
        **counts,
        "threes": sum(r["threes"] for r in rows),
        "passed": sum(r["passed"] for r in rows),
        "not_attested": sum(len(r["not_attested"]) for r in rows),
        "progress": share(attested - counts["failing"], attested),
        "quality": share(counts["excellent"] + counts["good"], attested),
        "absences": {
            key: sum(r["absences"]["totals"][key] for r in rows) for key in [k for k, _ in ABSENCE_REASONS] + ["all"]
        },
    }


def absences_by_reason(school_class, first, last):
    """Lessons missed ("н") in the class's lessons of the period, by reason: per pupil, per
    subject and in all. Lateness is not a missed lesson."""
    entries = (
        Attendance.objects.live()
        .filter(
            status=Attendance.Status.ABSENT,
            lesson__school_class=school_class,
            lesson__date__range=(first, last),
            lesson__cancelled_at__isnull=True,
        )
        .values("pupil", "lesson__subject", "reason")
        .annotate(n=Count("id"))
    )
    empty = {key: 0 for key, _ in ABSENCE_REASONS} | {"all": 0}
    by_pupil, by_subject, totals = {}, {}, dict(empty)
    for entry in entries:
        reason = entry["reason"] or "none"
        for table, key in ((by_pupil, entry["pupil"]), (by_subject, entry["lesson__subject"])):
            counts = table.setdefault(key, dict(empty))
            counts[reason] += entry["n"]
            counts["all"] += entry["n"]
        totals[reason] += entry["n"]
        totals["all"] += entry["n"]
    pupils = Pupil.objects.in_bulk(list(by_pupil))
    subjects = Subject.objects.in_bulk(list(by_subject))
    return {
        "pupils": sorted(
            ((pupils[pk], counts) for pk, counts in by_pupil.items()),
            key=lambda item: (item[0].last_name, item[0].first_name),
        ),
        "subjects": sorted(((subjects[pk], counts) for pk, counts in by_subject.items()), key=lambda i: i[0].name),
        "totals": totals,
    }


def corrections_of(pupil):
    """The pupil's personal data as it was before each correction: when, who, old, new, why."""
    return list(
        AuditEntry.objects.filter(action="pupil.corrected", target_type="journal.pupil", target_id=pupil.pk)
        .select_related("actor")
        .order_by("-at")
    )


# --- Attestation and exams -----------------------------------------------------------


def subject_record(pupils, subject, year, until):
    """What a pupil has in a subject this year up to `until`: the current marks and their weighted
    average, the lessons missed and the term and year marks — {pupil id: {...}}. The exam sheet's
    row (001 Положение 3.2: «по всем оценкам, количеству пропущенных занятий, среднему баллу»)."""
    ids = [p.pk for p in pupils]
    work_types = {w.pk: w for w in WorkType.objects.all()}
    found = {pk: {"marks": [], "missed": 0, "terms": {}, "year_mark": ""} for pk in ids}
    for mark in (
        Mark.objects.live()
        .filter(pupil__in=ids, lesson__subject=subject, lesson__date__range=(year.starts_on, until))
        .only("pupil_id", "value", "work_type_id")
        .order_by("lesson__date", "lesson__number", "pk")  # two marks of one lesson: in the order given
    ):
        mark.work_type = work_types[mark.work_type_id]
        found[mark.pupil_id]["marks"].append(mark)
    for entry in (
        Attendance.objects.live()
        .filter(
            pupil__in=ids,
            status=Attendance.Status.ABSENT,
            lesson__subject=subject,
            lesson__date__range=(year.starts_on, until),
            lesson__cancelled_at__isnull=True,
        )
        .values("pupil")
        .annotate(n=Count("id"))
    ):
        found[entry["pupil"]]["missed"] = entry["n"]
    for final in FinalMark.objects.filter(pupil__in=ids, subject=subject, year=year):
        if final.term_id is None:
            found[final.pupil_id]["year_mark"] = final.value
        else:
            found[final.pupil_id]["terms"][final.term_id] = final.value
    for row in found.values():
        row["average"] = weighted_average(row["marks"])
    return found


def exam_sheet(exam):
    """Экзаменационная ведомость: each pupil of the class on the exam's day (and anyone with a
    result) with their marks of the year in the subject, average, lessons missed, term and year
    marks, and the exam's result at each attempt, the last counting."""
    results = {}
    for result in exam.results.all():
        results.setdefault(result.pupil_id, {})[result.attempt] = result
    pupils = list(exam.sitting()) + list(Pupil.objects.filter(pk__in=list(results)))
    pupils = sorted({p.pk: p for p in pupils}.values(), key=lambda p: (p.last_name, p.first_name, p.middle_name))
    terms = list(terms_of(exam.school_class, exam.year).order_by("number"))
    record = subject_record(pupils, exam.subject, exam.year, exam.held_on)
    rows = []
    for pupil in pupils:
        mine = record[pupil.pk]
        attempts = [results.get(pupil.pk, {}).get(n) for n in range(1, ExamResult.MAX_ATTEMPTS + 1)]
        done = [a for a in attempts if a is not None]
        rows.append(
            {
                "pupil": pupil,
                "marks": " ".join(m.value for m in mine["marks"]),
                "average": mine["average"],
                "missed": mine["missed"],
                "terms": [mine["terms"].get(t.pk, "") for t in terms],
                "year_mark": mine["year_mark"],
                "attempts": attempts,
                "result": done[-1] if done else None,
                "retake_due": bool(done) and done[-1].failed and len(done) < ExamResult.MAX_ATTEMPTS,
            }
        )
    return {"terms": terms, "rows": rows, "attempts": range(1, ExamResult.MAX_ATTEMPTS + 1)}


def exams_of_pupil(pupil, year):
    """The pupil's exams of the year with their results, and the exam sheet's row for each
    subject examined — the diary's «Аттестация» tab."""
    exams = list(
        Exam.objects.filter(year=year, cancelled_at__isnull=True, results__pupil=pupil)
        .distinct()
        .select_related("subject")
        .prefetch_related(Prefetch("results", queryset=pupil.exam_results.all(), to_attr="mine"))
    )
    exams += list(
        Exam.objects.filter(
            year=year, cancelled_at__isnull=True, school_class=pupil.school_class, held_on__gte=timezone.localdate()
        )
        .exclude(pk__in=[e.pk for e in exams])
        .select_related("subject")
    )
    terms = list(terms_of(pupil.school_class, year).order_by("number"))
    rows = []
    for exam in sorted(exams, key=lambda e: (e.held_on, e.pk)):
        mine = subject_record([pupil], exam.subject, year, exam.held_on)[pupil.pk]
        rows.append(
            {
                "exam": exam,
                "results": getattr(exam, "mine", []),
                "marks": " ".join(m.value for m in mine["marks"]),
                "average": mine["average"],
                "missed": mine["missed"],
                "terms": [mine["terms"].get(t.pk, "") for t in terms],
                "year_mark": mine["year_mark"],
            }
        )
    return {"terms": terms, "rows": rows}


# --- Programme fulfilment ------------------------------------------------------------


def study_weeks(term, holidays):
    """The term's study weeks: its working days Monday to Friday outside holidays, ÷ 5, rounded
    (a term of 8 weeks with a holiday week inside counts 7)."""
    days = sum(
        1
        for n in range((term.ends_on - term.starts_on).days + 1)
        if (day := term.starts_on + timedelta(days=n)).isoweekday() <= 5
        and not any(h.starts_on <= day <= h.ends_on for h in holidays)
    )
    return (Decimal(days) / 5).quantize(Decimal("1"))


def programme(term, classes=None, subject=None, today=None):
    """Выполнение программы of a term: for each class × subject (× subgroup) the term's lessons
    are in, the hours by the curriculum (weekly hours × study weeks), by the thematic plan (its
    topics dated in the term), in the timetable (every lesson of the term), held (not cancelled,
    by today), cancelled, replaced (given by a substitute), the lessons still ahead, the lessons
    held by type, and the teacher's note. The shortfall is what the curriculum asks beyond what
    was held and is still ahead."""
    today = today or timezone.localdate()
    lessons = Lesson.objects.filter(term=term)
    if classes is not None:
        lessons = lessons.filter(school_class__in=classes)
    if subject is not None:
        lessons = lessons.filter(subject=subject)
    weeks = study_weeks(term, list(Holiday.objects.filter(year=term.year_id)))
    curriculum = {(c.grade, c.subject_id): c.hours_per_week for c in CurriculumItem.objects.all()}
    notes = {(n.school_class_id, n.subject_id): n for n in ProgrammeNote.objects.filter(term=term)}
    planned = {
        (row["plan__school_class"], row["plan__subject"]): row["hours"]
        for row in PlannedTopic.objects.filter(plan__year=term.year_id, due_on__range=(term.starts_on, term.ends_on))
        .values("plan__school_class", "plan__subject")
        .annotate(hours=Sum("hours"))
    }
    counted = (
        lessons.values("school_class", "subject", "subgroup")
        .annotate(
            scheduled=Count("pk"),
            cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
            held=Count("pk", filter=Q(cancelled_at__isnull=True, date__lte=today)),
            replaced=Count("pk", filter=Q(cancelled_at__isnull=True, date__lte=today, taught_by__isnull=False)),
            ahead=Count("pk", filter=Q(cancelled_at__isnull=True, date__gt=today)),
        )
        .order_by()
    )
    kinds = {}
    for row in (
        lessons.filter(cancelled_at__isnull=True, date__lte=today)
        .values("school_class", "subject", "subgroup", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        kinds.setdefault((row["school_class"], row["subject"], row["subgroup"]), {})[row["kind"]] = row["n"]
    class_of = SchoolClass.objects.in_bulk({row["school_class"] for row in counted})
    subject_of = Subject.objects.in_bulk({row["subject"] for row in counted})
    group_of = Subgroup.objects.in_bulk({row["subgroup"] for row in counted if row["subgroup"]})
    rows = []
    for row in counted:
        school_class, key = class_of[row["school_class"]], (row["school_class"], row["subject"])
        per_week = curriculum.get((school_class.grade, row["subject"]))
        hours = (per_week * weeks).quantize(Decimal("1")) if per_week is not None else None
        rows.append(
            {
                "school_class": school_class,
                "subject": subject_of[row["subject"]],
                "subgroup": group_of.get(row["subgroup"]),
                "curriculum": hours,
                "planned": planned.get(key),
                **{k: row[k] for k in ("scheduled", "held", "cancelled", "replaced", "ahead")},
                **_fulfilment(hours, row["held"], row["ahead"]),
                "kinds": [
                    (label, kinds.get(key + (row["subgroup"],), {}).get(value, 0))
                    for value, label in Lesson.Kind.choices
                ],
                "note": notes.get(key),
            }
        )
    rows.sort(key=_by_journal)
    return {"term": term, "weeks": weeks, "rows": rows, "totals": programme_totals(rows)}


def _by_journal(row):
    return row["school_class"].grade, row["school_class"].letter, row["subject"].name, str(row["subgroup"] or "")


def _fulfilment(hours, held, ahead):
    """What the curriculum asks beyond the lessons held and still ahead, and the share held."""
    return {
        "shortfall": max(int(hours) - held - ahead, 0) if hours is not None else None,
        "done": share(held, hours) if hours else None,
    }


def programme_totals(rows):
    """The sums of a term's rows, and how many journals fall short."""
    totals = {k: sum(r[k] for r in rows) for k in ("scheduled", "held", "cancelled", "replaced", "ahead")}
    totals["curriculum"] = sum(int(r["curriculum"]) for r in rows if r["curriculum"] is not None)
    totals["journals"] = len(rows)
    totals["behind"] = sum(1 for r in rows if r["shortfall"])
    totals["done"] = share(totals["held"], totals["curriculum"])
    return totals


# --- Statistics by subject and teacher -----------------------------------------------

PASSING = {"5", "4", "3", "зч"}
# СОУ (степень обученности, В. П. Симонов): each mark's share of full learning.
LEARNING = {"5": Decimal("1"), "4": Decimal("0.64"), "3": Decimal("0.36"), "2": Decimal("0.16"), "1": Decimal("0.16")}
NOT_ASSESSED_LEARNING = Decimal("0.08")


def journal_teacher(school_class, subject, term):
    """Whose journal it is: the teaching load's teacher, else who has most of its lessons."""
    load = TeachingLoad.objects.filter(school_class=school_class, subject=subject).values_list("teacher", flat=True)
    if load:
        return load[0]
    found = (
        Lesson.objects.filter(school_class=school_class, subject=subject, term=term)
        .values("teacher")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return found and found["teacher"]


def previous_term(term):
    return (
        Term.objects.filter(year=term.year_id, scheme=term.scheme, number__lt=term.number).order_by("-number").first()
    )


def learning_figures(values, averages):
    """Успеваемость, качество, СОУ and the average from the pupils' period marks (`values`: a
    term mark, or the forecast where there is none; None for a pupil with neither) and their
    weighted averages. «осв.» is left out; «н/а» and no mark count as not passing."""
    counted = [v for v in values if v != "осв."]
    numbers = {k: counted.count(k) for k in ("5", "4", "3", "2")}
    numbers["2"] += counted.count("1")
    failing = sum(1 for v in counted if v not in PASSING)
    learning = sum((LEARNING.get(v, NOT_ASSESSED_LEARNING if v in (None, "н/а") else 0) for v in counted), Decimal(0))
    known = [a for a in averages if a is not None]
    return {
        "pupils": len(counted),
        **{f"n{k}": n for k, n in numbers.items()},
        "failing": failing,
        "unmarked": sum(1 for v in counted if v in (None, "н/а")),
        "progress": share(len(counted) - failing, len(counted)),
        "quality": share(sum(1 for v in counted if v in ("5", "4")), len(counted)),
        "learning": share(learning, len(counted)),
        "average": (sum(known) / len(known)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if known else None,
    }


def journals_of_term(term, user, roles):
    """The marked class × subject journals of the term `user` may read: every one for the heads,
    their own class's for a class teacher, the ones they teach for a teacher."""
    lessons = Lesson.objects.filter(term=term, subject__is_marked=True).filter(
        rulebook.journals_readable_by(user, roles)
    )
    pairs = lessons.order_by().values_list("school_class", "subject").distinct()
    classes = SchoolClass.objects.in_bulk({c for c, _ in pairs})
    subjects = Subject.objects.in_bulk({s for _, s in pairs})
    found = [(classes[c], subjects[s]) for c, s in pairs if subjects[s].is_marked_in(classes[c].grade)]
    return sorted(found, key=lambda j: (j[0].grade, j[0].letter, j[1].name))


def _term_marks(term, journals):
    """Each pupil's period mark in each journal of the term (the term mark, or the forecast from
    the weighted average) and the average: {(class id, subject id): [(pupil, value, average, is_forecast)]}."""
    class_ids = {c.pk for c, _ in journals}
    rules = Rules.get()
    sums = {}
    for row in (
        Mark.objects.live()
        .filter(lesson__term=term, lesson__school_class__in=class_ids, value__in=["1", "2", "3", "4", "5"])
        .values("pupil", "lesson__school_class", "lesson__subject")
        .annotate(total=Sum(Cast("value", IntegerField()) * F("work_type__weight")), weights=Sum("work_type__weight"))
        .order_by()
    ):
        average = (Decimal(row["total"]) / row["weights"]).quantize(Decimal("0.01")) if row["weights"] else None
        sums[(row["pupil"], row["lesson__school_class"], row["lesson__subject"])] = average
    finals = {
        (f.pupil_id, f.school_class_id, f.subject_id): f.value
        for f in FinalMark.objects.filter(term=term, school_class__in=class_ids)
    }
    on = min(term.ends_on, timezone.localdate())
    listed = {c.pk: list(Pupil.objects.in_class_on(c, on)) for c in {c for c, _ in journals}}
    found = {}
    for school_class, subject in journals:
        rows = []
        for pupil in listed[school_class.pk]:
            key = (pupil.pk, school_class.pk, subject.pk)
            average = sums.get(key)
            value = finals.get(key)
            rows.append((pupil, value or suggested_final(average, rules), average, value is None))
        found[(school_class.pk, subject.pk)] = rows
    return found


def subject_statistics(term, user, roles):
    """Статистика успеваемости of a term: for each journal the person may read, by subject, by
    teacher, and in all — успеваемость, качество, СОУ and the average, with the change from the
    previous term of the same scheme. Period marks are the term marks as set, or the forecast
    from the weighted average where none is set yet (counted and shown as forecasts)."""
    journals = journals_of_term(term, user, roles)
    before = previous_term(term)
    marks = _term_marks(term, journals)
    earlier = _term_marks(before, journals) if before else {}
    owners = {(c.pk, s.pk): journal_teacher(c, s, term) for c, s in journals}
    teachers = User.objects.in_bulk(set(owners.values()) - {None})

    def figures(keys, source):
        rows = [r for key in keys for r in source.get(key, [])]
        return learning_figures([r[1] for r in rows], [r[2] for r in rows])

    def entry(label, keys, **extra):
        now = figures(keys, marks)
        then = figures(keys, earlier) if before else None
        change = (
            {k: _difference(now[k], then[k]) for k in ("progress", "quality", "learning", "average")} if then else {}
        )
        forecasts = sum(1 for key in keys for r in marks.get(key, []) if r[3] and r[1])
        return {"label": label, **now, "change": change, "forecasts": forecasts, **extra}

    rows, by_subject, by_teacher = [], {}, {}
    for school_class, subject in journals:
        key = (school_class.pk, subject.pk)
        teacher = teachers.get(owners[key])
        rows.append(
            entry(f"{school_class}, {subject.name}", [key], school_class=school_class, subject=subject, teacher=teacher)
        )
        by_subject.setdefault(subject.name, []).append(key)
        by_teacher.setdefault(teacher.short_name if teacher else "—", []).append(key)
    return {
        "term": term,
        "previous": before,
        "journals": rows,
        "subjects": [entry(name, keys) for name, keys in sorted(by_subject.items())],
        "teachers": [entry(name, keys) for name, keys in sorted(by_teacher.items())],
        "total": entry(_("Всего"), [(c.pk, s.pk) for c, s in journals]),
        "marks": marks,
    }


def _difference(now, then):
    return None if now is None or then is None else round(now - then, 2)


def exams_late(today):
    """Exams of the open year whose results are overdue (a pupil without one a day after the
    exam) or were entered late: the deputy's control page. [(exam, without result, entered late)]"""
    found = []
    for exam in Exam.objects.filter(
        cancelled_at__isnull=True, year__closed_at__isnull=True, held_on__lte=today
    ).select_related("school_class", "subject"):
        overdue = exam.without_result().count() if today > exam.results_due_on else 0
        late = sum(1 for r in exam.results.filter(attempt=1) if r.is_late)
        if overdue or late:
            found.append((exam, overdue, late))
    return found


def programme_of_year(year, today=None):
    """The year's programme: each journal's terms added up (the terms begun by today), with the
    latest note; {"term": None, "year", "rows", "totals"}."""
    today = today or timezone.localdate()
    merged = {}
    for term in Term.objects.filter(year=year, starts_on__lte=today).order_by("starts_on"):
        for row in programme(term, today=today)["rows"]:
            key = (row["school_class"].pk, row["subject"].pk, getattr(row["subgroup"], "pk", None))
            if key not in merged:
                merged[key] = dict(row)
                continue
            into = merged[key]
            for k in ("scheduled", "held", "cancelled", "replaced", "ahead"):
                into[k] += row[k]
            for k in ("curriculum", "planned"):
                into[k] = None if into[k] is None and row[k] is None else (into[k] or 0) + (row[k] or 0)
            into["kinds"] = [(label, n + m) for (label, n), (_, m) in zip(into["kinds"], row["kinds"], strict=True)]
            into["note"] = row["note"] or into["note"]
    rows = list(merged.values())
    for row in rows:
        row.update(_fulfilment(row["curriculum"], row["held"], row["ahead"]))
    rows.sort(key=_by_journal)
    return {"term": None, "year": year, "rows": rows, "totals": programme_totals(rows)}


def diary_versions(pupil):
    """The versions of what the pupil's diary week shows, (school, class, pupil): changed by
    every write to it (models.DiaryVersion). Read before the week itself, so that a write
    between the two can only leave a cached week newer than its key, never older."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, version FROM journal_diaryversion WHERE (scope, key) IN (('s', 0), ('c', %s), ('p', %s))",
            [pupil.school_class_id, pupil.pk],
        )
        found = dict(cursor.fetchall())
    return tuple(found.get(scope, 0) for scope in "scp")
