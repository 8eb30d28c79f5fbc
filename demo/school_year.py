"""A school year and one term of journal data for the demo district (and the benchmarks).

The set-up goes through the services, like a deputy's; the term's records are written in
bulk as the history they stand for, each with its audit entry, so that the pages, the
history and (later) the monitoring see a realistic journal."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from accounts.models import Membership, Role
from audit.models import AuditEntry
from groundwork.pdf import cyrillic_font, render
from journal import services
from journal.models import (
    AcademicYear,
    Attendance,
    CurriculumItem,
    FinalMark,
    Guardian,
    Holiday,
    Lesson,
    Mark,
    Pupil,
    PupilMovement,
    SchoolClass,
    Subject,
    Term,
    WorkType,
)
from journal.selectors import current_year, journal_grid, programme

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


# The type of lesson a planned topic's title says (the programme report counts them).
KINDS = [
    ("Контроль знаний", "test"),
    ("Практическая работа", "practice"),
    ("Обобщение", "review"),
    ("Развитие речи", "lesson"),
]


def quarters(y):
    """The four quarters of the school year starting in September of `y`, as the demo's schools keep them."""
    return [
        (date(y, 9, 1), date(y, 10, 24)),
        (date(y, 11, 5), date(y, 12, 27)),
        (date(y + 1, 1, 12), date(y + 1, 3, 20)),
        (date(y + 1, 3, 30), date(y + 1, 5, 26)),
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
    terms = [
        services.add_term(year=year, scheme="quarter", number=n, starts_on=s, ends_on=e, by=by)
        for n, (s, e) in enumerate(quarters(y), start=1)
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
                # The 1st grade learns without marks (безотметочное обучение).
                services.set_curriculum(
                    grade=grade, subject=subjects[name], hours_per_week=h, is_marked=grade > 1, by=by
                )
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


def fill_journal(school, *, until, seed=2026, diligence=1.0):
    """Records of every lesson before `until`: topics from a thematic plan, homework,
    attendance, marks at a realistic density (none where the curriculum says without marks), a
    few substitutions by teachers free at that period. `diligence` below 1 makes a school that
    leaves more gaps and writes later (the demo's weak one)."""
    rng = random.Random(seed)
    gap = 1 - diligence  # how much more often than a careful school a record is missing or late
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
    busy = set(Lesson.objects.values_list("teacher", "date", "number"))
    unmarked = {(c.grade, c.subject_id) for c in CurriculumItem.objects.filter(is_marked=False)}
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
        late = rng.random() < 0.06 + gap
        entered = at + (timedelta(days=rng.randint(1, 5)) if late else timedelta(minutes=rng.randint(5, 150)))
        key = (lesson.school_class_id, lesson.subject_id)
        if rng.random() < 0.97 - gap / 2:
            topic = plans[key][min(plans[key + ("next",)], len(plans[key]) - 1)]
            plans[key + ("next",)] += 1
            lesson.topic, lesson.planned_topic, lesson.topic_entered_at = topic.title, topic, entered
            lesson.kind = next((kind for start, kind in KINDS if topic.title.startswith(start)), "lesson")
        if rng.random() < 0.93 - gap:
            lesson.homework, lesson.homework_entered_at = f"§ {rng.randint(1, 40)}, упр. {rng.randint(1, 300)}", entered
        free = [t for t in teachers if t != lesson.teacher_id and (t, lesson.date, lesson.number) not in busy]
        if rng.random() < 0.01 and free:
            lesson.taught_by_id = rng.choice(free)
            lesson.substitution_recorded_at = entered
            busy.add((lesson.taught_by_id, lesson.date, lesson.number))
        teacher_id = lesson.conducted_by_id
        marked = (lesson.school_class.grade, lesson.subject_id) not in unmarked
        if rng.random() < 0.97 - gap / 2:
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
                elif marked and rng.random() < 0.25 * (1 - gap):
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
            " homework_entered_at = %s, taught_by_id = %s, substitution_recorded_at = %s, attendance_taken_at = %s,"
            " kind = %s WHERE id = %s",
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
                    lesson.kind,
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
            if not subject.is_marked_in(school_class.grade):
                continue
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


def exams_and_programme(school, *, deputy, today):
    """What the deputy and the teachers would have set by today: промежуточная аттестация in
    Russian for each class from the 5th grade held on the last school day, its results entered
    (one pupil failed and waits for a retake), one in maths ahead; a shortfall explained;
    рабочие программы for every subject the school teaches, as PDF."""
    holidays = list(Holiday.objects.all())
    held_on = next((day for n in range(30) if services.is_school_day(day := today - timedelta(days=n), holidays)), None)
    for school_class in SchoolClass.objects.filter(grade__gte=5).order_by("grade", "letter"):
        russian = Lesson.objects.filter(school_class=school_class, subject__name="Русский язык").first()
        if held_on and russian and russian.term.year.starts_on <= held_on:
            exam = services.schedule_exam(
                school=school, school_class=school_class, subject=russian.subject, kind="attestation",
                form="dictation", held_on=held_on, by=deputy,
            )  # fmt: skip
            values = ["5", "4", "4", "2", "5", "4", "3", "4"]
            results = [(pupil, values[n % len(values)]) for n, pupil in enumerate(exam.sitting())]
            services.set_exam_results(exam, results, by=russian.teacher)
        ahead = (
            Lesson.objects.filter(
                school_class=school_class, subject__name__in=["Математика", "Алгебра"], date__gt=today
            )
            .order_by("date")
            .first()
        )
        if ahead is not None:
            services.schedule_exam(
                school=school, school_class=school_class, subject=ahead.subject, kind="attestation", form="test",
                held_on=ahead.date, by=deputy,
            )  # fmt: skip
    running = Term.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
    if running is not None:
        behind = [row for row in programme(running, today=today)["rows"] if row["shortfall"]]
        for row in behind[:2]:
            services.write_programme_note(
                school_class=row["school_class"], subject=row["subject"], term=running,
                shortfall_reason="Уроки выпали на праздничные дни и карантин по гриппу",
                plan_correction="Темы «Повторение» и «Обобщение» объединены; добавлен урок в последнюю неделю четверти",
                by=Lesson.objects.filter(school_class=row["school_class"], subject=row["subject"]).first().teacher,
            )  # fmt: skip
    year = current_year()
    try:
        font = cyrillic_font()
    except ImproperlyConfigured:
        return  # no Cyrillic font on this machine: the demo goes without the documents
    style = ParagraphStyle("text", fontName=font, fontSize=11, leading=15)
    grades = {c.grade for c in SchoolClass.objects.all()}
    for name, hours in CURRICULUM.items():
        subject = Subject.objects.get(name=name)
        for grade in sorted(grades & set(hours)):
            title = f"Рабочая программа по учебному предмету «{name}», {grade} класс"
            story = [
                Paragraph(escape(school.name), style),
                Paragraph(escape(title), style),
                Paragraph(f"Количество часов: {hours[grade]} в неделю, {hours[grade] * 34} в год.", style),
                Paragraph("Планируемые результаты. Содержание учебного предмета. Тематическое планирование.", style),
            ]
            services.upload_work_programme(
                school=school, subject=subject, grade=grade, year=year,
                upload=SimpleUploadedFile(f"{title}.pdf", render(story, title=title)), by=deputy,
            )  # fmt: skip


def earlier_year_of(child, parent, *, entered_by):
    """In this school, the year before last: a closed year with its quarters, a 2nd-grade class
    and `child` (a pupil of another school now) in it with the year's term and year marks, then
    withdrawn by a transfer — as the school's former journal left them, imported. The parent's
    link to that record stays, so the diary shows the year."""
    start, _ = school_year(timezone.localdate())
    y = start.year - 2
    year = AcademicYear.objects.create(
        name=f"{y}/{y + 1}",
        starts_on=date(y, 9, 1),
        ends_on=date(y + 1, 8, 31),
        closed_at=timezone.make_aware(datetime(y + 1, 6, 30, 12)),
    )
    terms = [
        Term.objects.create(year=year, scheme="quarter", number=n, starts_on=s, ends_on=e)
        for n, (s, e) in enumerate(quarters(y), start=1)
    ]
    old_class = SchoolClass.objects.create(year=year, grade=2, letter="В")
    record = Pupil.objects.create(
        last_name=child.last_name,
        first_name=child.first_name,
        middle_name=child.middle_name,
        birth_date=child.birth_date,
        school_class=old_class,
        enrolled_on=date(y - 1, 9, 1),
        enrollment_order="41-у",
        withdrawn_on=date(y + 1, 6, 30),
    )
    PupilMovement.objects.create(
        pupil=record, kind="withdrawn", on=record.withdrawn_on, order_number="77-у",
        order_date=record.withdrawn_on, from_class=old_class,
    )  # fmt: skip
    rng = random.Random(child.pk)
    finals = []
    for name in ("Русский язык", "Литературное чтение", "Математика", "Окружающий мир", "Английский язык"):
        subject = Subject.objects.filter(name=name).first()
        if subject is None:
            continue
        values = [rng.choice("5554") for _ in terms]
        for term, value in zip(terms, values, strict=True):
            finals.append((subject, term, value))
        finals.append((subject, None, max(set(values), key=values.count)))
    FinalMark.objects.bulk_create(
        FinalMark(
            pupil=record, subject=subject, school_class=old_class, year=year, term=term, value=value,
            entered_by_id=entered_by.pk, entered_at=timezone.make_aware(datetime(y + 1, 5, 27, 15)),
        )
        for subject, term, value in finals
    )  # fmt: skip
    Guardian.objects.create(
        pupil=record, user=parent, consent_at=timezone.make_aware(datetime(y, 9, 1, 9)), consent_version="1"
    )
    return record
