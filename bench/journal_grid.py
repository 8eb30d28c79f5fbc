"""The journal grid of a class of 30 for one term, measured in a scratch database:
the page as a teacher gets it (server time, SQL queries), the selector alone, and the
bare SQL that fetches the same rows, to say what our layers cost; then the lesson page of that
class saved as one form (server time).

    python bench/journal_grid.py --runs 50
"""

import argparse
import json
import os
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database, summary  # noqa: E402

# The rows the selector reads, fetched as plain tuples: the term's lessons (a cancelled one
# only with marks), the pupils in the class at the term's start or today or with a mark here,
# their subgroups, who finished the year here, the work types, marks, absences, term marks and
# the school's rules. The lessons' ids are passed on as a list, as the selector does: joined
# to the lessons, PostgreSQL scans every mark of the school once it holds a few terms of them.
LESSONS_SQL = """SELECT l.id, l.date, l.number, l.subgroup_id, g.name FROM journal_lesson l
     LEFT JOIN journal_subgroup g ON g.id = l.subgroup_id
    WHERE l.school_class_id = %(class)s AND l.subject_id = %(subject)s AND l.term_id = %(term)s
      AND (l.cancelled_at IS NULL OR EXISTS
           (SELECT 1 FROM journal_mark m WHERE m.lesson_id = l.id AND m.deleted_at IS NULL))
    ORDER BY l.date, l.number"""
BARE_SQL = [
    """SELECT p.id, p.last_name, p.first_name, p.middle_name FROM journal_pupil p
        WHERE (p.school_class_id = %(class)s OR p.id IN
               (SELECT m.pupil_id FROM journal_mark m WHERE m.lesson_id = ANY(%(lessons)s)))
          AND (p.withdrawn_on IS NULL OR p.withdrawn_on >= %(starts)s)
        ORDER BY p.last_name, p.first_name""",
    """SELECT sp.pupil_id, sp.subgroup_id FROM journal_subgroup_pupils sp
         JOIN journal_pupil p ON p.id = sp.pupil_id WHERE p.school_class_id = %(class)s""",
    "SELECT pupil_id FROM journal_pupilmovement WHERE from_class_id = %(class)s",
    "SELECT id, name, weight FROM journal_worktype",
    """SELECT m.pupil_id, m.lesson_id, m.value, m.work_type_id, m.comment FROM journal_mark m
        WHERE m.lesson_id = ANY(%(lessons)s) AND m.deleted_at IS NULL""",
    """SELECT a.pupil_id, a.lesson_id, a.status, a.reason FROM journal_attendance a
        WHERE a.lesson_id = ANY(%(lessons)s) AND a.deleted_at IS NULL""",
    "SELECT pupil_id, value FROM journal_finalmark WHERE term_id = %(term)s AND subject_id = %(subject)s",
    "SELECT rounding_threshold FROM journal_rules WHERE id = 1",
]


def bare_grid(cursor, params):
    """The grid's rows by BARE_SQL, on a cursor in the school's schema."""
    cursor.execute(LESSONS_SQL, params)
    params = {**params, "lessons": [row[0] for row in cursor.fetchall()]}
    for statement in BARE_SQL:
        cursor.execute(statement, params)
        cursor.fetchall()


def timed(fn, runs):
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return summary(seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pupils", type=int, default=30)
    options = parser.parse_args()
    with scratch_database():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        results = measure(options)
    print(json.dumps(results, indent=2))


def measure(options):
    import random
    from datetime import time as clock

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts import services as accounts
    from accounts.models import Role
    from journal import selectors, services
    from journal.models import Lesson, Mark
    from tenants.services import create_school

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(1)
    school = create_school(name="МБОУ «Школа для замеров»", short_name="Замеры", slug="bench")
    teacher = accounts.create_person(accounts.NewAccount(last_name="Учитель", first_name="Замер", email="t@bench.test"))
    accounts.add_membership(teacher, school, Role.TEACHER)
    accounts.add_membership(teacher, school, Role.CLASS_TEACHER)
    today = date.today()
    with schema_context(school.schema_name):
        year = services.create_year(
            name="2000/2001", starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=100)
        )
        services.set_grade_scheme(year=year, grade=7, scheme="quarter")
        term = services.add_term(
            year=year, scheme="quarter", number=1, starts_on=today - timedelta(days=62), ends_on=today
        )
        subject = services.create_subject(name="Алгебра")
        work = services.create_work_type(name="Ответ на уроке", weight=1)
        services.set_bell(number=1, starts_at=clock(8, 30), ends_at=clock(9, 15))
        school_class = services.create_class(grade=7, letter="А", class_teacher=teacher)
        pupils = [
            services.enroll_pupil(
                school_class=school_class,
                last_name=f"Ученик{n:02d}",
                first_name="Имя",
                birth_date=date(2012, 1, 1),
                enrolled_on=year.starts_on,
                order="1-у",
            )
            for n in range(options.pupils)
        ]
        for weekday in range(1, 6):
            services.add_slot(
                school=school,
                weekday=weekday,
                number=1,
                school_class=school_class,
                subject=subject,
                teacher=teacher,
                valid_from=year.starts_on,
            )
        lessons = list(Lesson.objects.filter(term=term))
        Mark.objects.bulk_create(
            [
                Mark(lesson=lesson, pupil=pupil, value=rng.choice("5432"), work_type=work, entered_by=teacher)
                for lesson in lessons
                for pupil in pupils
                if rng.random() < 0.3
            ]
        )
        marks = Mark.objects.count()
        selector = timed(lambda: selectors.journal_grid(school_class, subject, term), options.runs)
        params = {"class": school_class.pk, "subject": subject.pk, "term": term.pk, "starts": term.starts_on}

        def raw():
            with connection.cursor() as cursor:
                bare_grid(cursor, params)

        sql = timed(raw, options.runs)
    client = Client(HTTP_HOST=school.host)
    client.force_login(teacher, backend="accounts.backends.IdentifierBackend")
    url = f"/journal/{school_class.pk}/{subject.pk}/?term={term.pk}"
    client.get(url)

    def statements_of(fn):
        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            fn()
        return statements

    response = client.get(url)
    assert response.status_code == 200
    statements = statements_of(lambda: client.get(url))

    def grid():
        with schema_context(school.schema_name):
            selectors.journal_grid(school_class, subject, term)

    selector_statements = statements_of(grid)
    page = timed(lambda: client.get(url), options.runs)
    # The lesson page saved as one form (topic, homework, 2 absent, 5 marks), on each lesson in turn.
    saves = iter(lessons * (options.runs // len(lessons) + 2))

    def save():
        lesson = next(saves)
        sent = {
            "action": "lesson",
            "request_key": str(uuid.uuid4()),
            "topic": "Сложение дробей",
            "homework": "№ 210, 211",
            "work_type": work.pk,
            **{f"status_{pupil.pk}": "absent" for pupil in pupils[:2]},
            **{f"mark_{pupil.pk}": "5" for pupil in pupils[2:7]},
        }
        answer = client.post(f"/lessons/{lesson.pk}/", sent)
        assert answer.status_code == 302, answer.content[:500]

    save()
    save_statements = statements_of(save)
    lesson_save = timed(save, options.runs)
    return {
        "pupils": options.pupils,
        "lessons": len(lessons),
        "marks": marks,
        "page": page,
        "selector": selector,
        "bare_sql": sql,
        "lesson_save": lesson_save,
        "lesson_save_queries": len([q for q in save_statements if not q.startswith("SET search_path")]),
        "lesson_save_statements": [q[:100] for q in save_statements],
        "selector_queries": len([q for q in selector_statements if not q.startswith("SET search_path")]),
        "bare_statements": 1 + len(BARE_SQL),
        "page_queries": len(statements),
        "page_queries_without_set_search_path": len([q for q in statements if not q.startswith("SET search_path")]),
        "page_statements": [q[:100] for q in statements],
    }


if __name__ == "__main__":
    main()
