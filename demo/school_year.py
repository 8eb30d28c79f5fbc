"""A school year and one term of journal data for the demo district (and the benchmarks).

The set-up goes through the services, like a deputy's; the term's records are written in
bulk as the history they stand for, each with its audit entry, so that the pages, the
history and (later) the monitoring see a realistic journal."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Role
from audit.models import AuditEntry
from journal import services
from journal.models import (
    Attendance,
    FinalMark,
    Lesson,
    Mark,
    Pupil,
    SchoolClass,
    Subject,
    WorkType,
)
from journal.selectors import journal_grid

# Subject: (weekly hours by grade level), as in a typical учебный план.
CURRICULUM = {
    "Русский язык": {1: 5, 3: 5, 5: 6, 7: 4, 9: 3},
    "Литературное чтение": {1: 4, 3: 4},
    "Литература": {5: 3, 7: 2, 9: 3},
    "Математика": {1: 4, 3: 4, 5: 5},
    "Алгебра": {7: 3, 9: 3},
    "Геометрия": {7: 2, 9: 2},
    "Окружающий мир": {1: 2, 3: 2},
    "Английский язык": {3: 2, 5: 3, 7: 3, 9: 3},
    "История": {5: 2, 7: 2, 9: 2},
    "Биология": {5: 1, 7: 1, 9: 2},
    "Физика": {7: 2, 9: 3},
    "Физическая культура": {1: 2, 3: 2, 5: 2, 7: 2, 9: 2},
}
WORK_TYPES = [
    ("Ответ на уроке", "1.0"),
    ("Домашняя работа", "1.0"),
    ("Самостоятельная работа", "1.5"),
    ("Контрольная работа", "2.0"),
    ("Диктант", "2.0"),
]
BELLS = [(1, time(8, 30)), (2, time(9, 25)), (3, time(10, 30)), (4, time(11, 35)), (5, time(12, 30)), (6, time(13, 25))]
TOPICS = {
    "Математика": [
        "Натуральные числа",
        "Сложение и вычитание",
        "Умножение и деление",
        "Дроби",
        "Уравнения",
        "Площадь и периметр",
        "Проценты",
        "Решение задач",
    ],
    "Русский язык": [
        "Орфограммы корня",
        "Части речи",
        "Имя существительное",
        "Имя прилагательное",
        "Глагол",
        "Синтаксис",
        "Пунктуация",
        "Развитие речи: изложение",
    ],
}
DEFAULT_TOPICS = [
    "Введение",
    "Повторение",
    "Новая тема",
    "Практическая работа",
    "Закрепление",
    "Обобщение",
    "Контроль знаний",
    "Работа над ошибками",
]


def school_year(today):
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return start, date(start.year + 1, 8, 31)


def set_up_year(school, *, by, today=None):
    """The calendar (quarters and holidays of a usual Russian school year), subjects, work
    types, bells, curriculum, teaching load and a weekly timetable; then the lessons."""
    today = today or timezone.localdate()
    start, end = school_year(today)
    y = start.year
    year = services.create_year(name=f"{y}/{y + 1}", starts_on=start, ends_on=end, by=by)
    classes = list(SchoolClass.objects.all())
    for grade in sorted({c.grade for c in classes}):
        services.set_grade_scheme(year=year, grade=grade, scheme="quarter", by=by)
    quarters = [
        (date(y, 9, 1), date(y, 10, 24)),
        (date(y, 11, 5), date(y, 12, 27)),
        (date(y + 1, 1, 12), date(y + 1, 3, 20)),
        (date(y + 1, 3, 30), date(y + 1, 5, 26)),
    ]
    terms = [
        services.add_term(year=year, scheme="quarter", number=n, starts_on=s, ends_on=e, by=by)
        for n, (s, e) in enumerate(quarters, start=1)
    ]
    for name, s, e in [
        ("Осенние каникулы", date(y, 10, 25), date(y, 11, 4)),
        ("Зимние каникулы", date(y, 12, 28), date(y + 1, 1, 11)),
        ("День защитника Отечества", date(y + 1, 2, 23), date(y + 1, 2, 23)),
        ("Международный женский день", date(y + 1, 3, 9), date(y + 1, 3, 9)),
        ("Весенние каникулы", date(y + 1, 3, 21), date(y + 1, 3, 29)),
    ]:
        services.add_holiday(year=year, name=name, starts_on=s, ends_on=e, by=by)
    subjects = {name: services.create_subject(name=name, is_marked=True, by=by) for name in CURRICULUM}
    for name, weight in WORK_TYPES:
        services.create_work_type(name=name, weight=Decimal(weight), by=by)
    for number, starts in BELLS:
        ends = (datetime.combine(start, starts) + timedelta(minutes=45)).time()
        services.set_bell(number=number, starts_at=starts, ends_at=ends, by=by)
    for name, hours in CURRICULUM.items():
        for grade, h in hours.items():
            if any(c.grade == grade for c in classes):
                services.set_curriculum(grade=grade, subject=subjects[name], hours_per_week=h, by=by)
    teachers = sorted(
        {m.user for m in Membership.objects.at(school).filter(role=Role.TEACHER).select_related("user")},
        key=lambda u: u.email or "",
    )
    busy = set()  # (teacher, weekday, number)
    for index, school_class in enumerate(classes):
        wanted = [(subjects[name], h[school_class.grade]) for name, h in CURRICULUM.items() if school_class.grade in h]
        owner = {}
        for s_index, (subject, _) in enumerate(wanted):
            # The class teacher teaches the first subject of the class; the rest go round the staff.
            owner[subject] = (
                school_class.class_teacher
                if s_index == 0 and school_class.class_teacher in teachers
                else teachers[(index * 3 + s_index) % len(teachers)]
            )
            services.assign_load(
                school=school,
                teacher=owner[subject],
                subject=subject,
                school_class=school_class,
                hours_per_week=wanted[s_index][1],
                by=by,
            )
        left = {subject: hours for subject, hours in wanted}
        for number in range(1, 7):
            for weekday in range(1, 6):
                for subject in sorted(left, key=lambda s: -left[s]):
                    teacher = owner[subject]
                    if left[subject] and (teacher.pk, weekday, number) not in busy:
                        services.add_slot(
                            school=school,
                            weekday=weekday,
                            number=number,
                            school_class=school_class,
                            subject=subject,
                            teacher=teacher,
                            valid_from=start,
                            room=str(10 + index),
                            by=by,
                            generate=False,
                        )
                        busy.add((teacher.pk, weekday, number))
                        left[subject] -= 1
                        break
    services.generate_lessons(since=start)
    return year, terms


def fill_journal(school, *, until, seed=2026):
    """Records of every lesson before `until`: topics from a thematic plan, homework,
    attendance, marks at a realistic density, a few substitutions, final marks of ended terms."""
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    lessons = list(
        Lesson.objects.filter(date__lt=until)
        .select_related("school_class", "subject", "term")
        .order_by("date", "number")
    )
    pupils_by_class = {}
    for pupil in Pupil.objects.enrolled():
        pupils_by_class.setdefault(pupil.school_class_id, []).append(pupil)
    work_types = {w.name: w for w in WorkType.objects.all()}
    teachers = [m.user_id for m in Membership.objects.at(school).filter(role=Role.TEACHER)]
    # The thematic plans as a teacher types them in September, through the plans service: a topic
    # a lesson, each dated with its lesson of the timetable (so the demo shows programme coverage).
    dates = {}
    for class_id, subject_id, day in (
        Lesson.objects.filter(cancelled_at__isnull=True)
        .order_by("date", "number")
        .values_list("school_class", "subject", "date")
    ):
        dates.setdefault((class_id, subject_id), []).append(day)
    plans = {}
    for lesson in lessons:
        key = (lesson.school_class_id, lesson.subject_id)
        if key not in plans:
            titles = TOPICS.get(lesson.subject.name, DEFAULT_TOPICS)
            rows = [
                (f"{titles[n % len(titles)]} ({lesson.subject.name.lower()})", 1, day)
                for n, day in enumerate(dates[key])
            ]
            plan = services.save_plan(
                subject=lesson.subject, school_class=lesson.school_class, year=lesson.term.year, topics=rows
            )
            plans[key] = list(plan.topics.order_by("position"))
            plans[key + ("next",)] = 0
    marks, absences, audit = [], [], []
    for lesson in lessons:
        # Most lessons are filled in during the lesson or soon after; a few days later.
        at = datetime.combine(lesson.date, BELLS[lesson.number - 1][1], tzinfo=tz)
        late = rng.random() < 0.06
        entered = at + (timedelta(days=rng.randint(1, 5)) if late else timedelta(minutes=rng.randint(5, 150)))
        key = (lesson.school_class_id, lesson.subject_id)
        if rng.random() < 0.97:
            topic = plans[key][min(plans[key + ("next",)], len(plans[key]) - 1)]
            plans[key + ("next",)] += 1
            lesson.topic, lesson.planned_topic, lesson.topic_entered_at = topic.title, topic, entered
        if rng.random() < 0.93:
            lesson.homework, lesson.homework_entered_at = f"§ {rng.randint(1, 40)}, упр. {rng.randint(1, 300)}", entered
        if rng.random() < 0.01:
            lesson.taught_by_id = rng.choice([t for t in teachers if t != lesson.teacher_id] or [lesson.teacher_id])
            lesson.substitution_recorded_at = entered
        teacher_id = lesson.conducted_by_id
        if rng.random() < 0.97:
            lesson.attendance_taken_at = entered
            for pupil in pupils_by_class.get(lesson.school_class_id, []):
                if rng.random() < 0.05:
                    absences.append(
                        Attendance(
                            lesson=lesson,
                            pupil=pupil,
                            status="absent",
                            entered_by_id=teacher_id,
                            entered_at=entered,
                            reason=rng.choice(["illness", "excused", "", ""]),
                        )
                    )
                elif rng.random() < 0.25:
                    work = work_types["Контрольная работа" if rng.random() < 0.1 else "Ответ на уроке"]
                    value = rng.choices(["5", "4", "3", "2"], weights=[35, 40, 20, 5])[0]
                    marks.append(
                        Mark(
                            lesson=lesson,
                            pupil=pupil,
                            value=value,
                            work_type=work,
                            entered_by_id=teacher_id,
                            entered_at=entered + timedelta(minutes=rng.randint(0, 30)),
                        )
                    )
    # One UPDATE per lesson, sent in a pipeline: bulk_update's CASE per column was most of the seed's time.
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE journal_lesson SET topic = %s, planned_topic_id = %s, topic_entered_at = %s, homework = %s,"
            " homework_entered_at = %s, taught_by_id = %s, substitution_recorded_at = %s, attendance_taken_at = %s"
            " WHERE id = %s",
            [
                (
                    lesson.topic,
                    lesson.planned_topic_id,
                    lesson.topic_entered_at,
                    lesson.homework,
                    lesson.homework_entered_at,
                    lesson.taught_by_id,
                    lesson.substitution_recorded_at,
                    lesson.attendance_taken_at,
                    lesson.pk,
                )
                for lesson in lessons
            ],
        )
    Mark.objects.bulk_create(marks, batch_size=2000)
    Attendance.objects.bulk_create(absences, batch_size=2000)
    for mark in marks:
        audit.append(
            AuditEntry(
                at=mark.entered_at,
                actor_id=mark.entered_by_id,
                action="mark.created",
                target_type="journal.mark",
                target_id=mark.pk,
                new={
                    "lesson": mark.lesson_id,
                    "pupil": mark.pupil_id,
                    "value": mark.value,
                    "work_type": mark.work_type.name,
                    "comment": "",
                },
            )
        )
    for entry in absences:
        audit.append(
            AuditEntry(
                at=entry.entered_at,
                actor_id=entry.entered_by_id,
                action="attendance.created",
                target_type="journal.attendance",
                target_id=entry.pk,
                new={"pupil": entry.pupil_id, "status": entry.status},
            )
        )
    AuditEntry.objects.bulk_create(audit, batch_size=2000)
    return {"lessons": len(lessons), "marks": len(marks), "absences": len(absences)}


def set_final_marks(term):
    """Term marks for every pupil and subject of a term that has ended, from the weighted average."""
    finals = []
    for school_class in SchoolClass.objects.all():
        # order_by() first: Lesson's default ordering would make DISTINCT count dates too.
        for subject_id in (
            Lesson.objects.filter(term=term, school_class=school_class)
            .order_by()
            .values_list("subject", flat=True)
            .distinct()
        ):
            subject = Subject.objects.get(pk=subject_id)
            grid = journal_grid(school_class, subject, term)
            teacher_id = grid["lessons"][0].teacher_id if grid["lessons"] else None
            entered = timezone.make_aware(datetime.combine(term.ends_on + timedelta(days=1), time(15, 0)))
            for row in grid["rows"]:
                if row["suggested"] and teacher_id:
                    finals.append(
                        FinalMark(
                            pupil=row["pupil"],
                            subject=subject,
                            school_class=school_class,
                            year=term.year,
                            term=term,
                            value=row["suggested"],
                            entered_by_id=teacher_id,
                            entered_at=entered,
                        )
                    )
    FinalMark.objects.bulk_create(finals, batch_size=2000)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=f.entered_at,
                actor_id=f.entered_by_id,
                action="final_mark.set",
                target_type="journal.finalmark",
                target_id=f.pk,
                new={"pupil": f.pupil_id, "subject": f.subject.name, "term": term.pk, "value": f.value},
            )
            for f in finals
        ],
        batch_size=2000,
    )
    return len(finals)
