"""The journal grid of a class of 30 for one term, measured in a scratch database:
the page as a teacher gets it (server time, SQL queries), the selector alone, and the
bare SQL that fetches the same rows, to say what our layers cost.

    python bench/journal_grid.py --runs 50
"""

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database, summary  # noqa: E402


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
        bare_sql = (
            "SELECT id, date, number FROM journal_lesson WHERE school_class_id = %s AND subject_id = %s AND term_id = %s"
            " AND cancelled_at IS NULL ORDER BY date, number;"
            "SELECT id, last_name, first_name, middle_name FROM journal_pupil WHERE school_class_id = %s ORDER BY last_name;"
            "SELECT m.pupil_id, m.lesson_id, m.value, w.weight FROM journal_mark m JOIN journal_worktype w ON w.id = m.work_type_id"
            " JOIN journal_lesson l ON l.id = m.lesson_id WHERE l.school_class_id = %s AND l.subject_id = %s"
            " AND l.term_id = %s AND m.deleted_at IS NULL"
        )

        def raw():
            with connection.cursor() as cursor:
                for statement, params in zip(
                    bare_sql.split(";"),
                    [
                        (school_class.pk, subject.pk, term.pk),
                        (school_class.pk,),
                        (school_class.pk, subject.pk, term.pk),
                    ],
                    strict=True,
                ):
                    cursor.execute(statement, params)
                    cursor.fetchall()

        sql = timed(raw, options.runs)
    client = Client(HTTP_HOST=school.host)
    client.force_login(teacher, backend="accounts.backends.IdentifierBackend")
    url = f"/journal/{school_class.pk}/{subject.pk}/?term={term.pk}"
    client.get(url)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200
    page = timed(lambda: client.get(url), options.runs)
    return {
        "pupils": options.pupils,
        "lessons": len(lessons),
        "marks": marks,
        "page": page,
        "selector": selector,
        "bare_sql": sql,
        "page_queries": len(statements),
        "page_queries_without_set_search_path": len([q for q in statements if not q.startswith("SET search_path")]),
    }


if __name__ == "__main__":
    main()
