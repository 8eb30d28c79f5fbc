"""The journal grid in a school of the synthetic district (bench/district.py), as its marks grow:
the page a teacher gets (server time in this process), the selector alone and the bare SQL of
the same rows, for the journal (class, subject, term) with the most marks (and of the page's time, how much
its statements took: the part that could grow with the school); then again with the school's
other journals holding four times the marks (three copies of every other mark, as by May), and
the database's statistics brought up to date. The copies are rolled back.

    python bench/district_grid.py --runs 30

Reads the database DATABASE_URL names; prints a JSON object."""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.journal_grid import bare_grid, timed  # noqa: E402

# The journal (class, subject, term) with the most live marks: a term's worth.
BUSIEST = """
    SELECT l.school_class_id, l.subject_id, l.term_id, min(l.teacher_id), count(*) FROM journal_mark m
      JOIN journal_lesson l ON l.id = m.lesson_id
     WHERE m.deleted_at IS NULL GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1, 2, 3 LIMIT 1"""


def measure(school, runs):
    from django.db import connection, transaction
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.models import User
    from journal import selectors
    from journal.models import Mark, SchoolClass, Subject, Term

    connection.set_tenant(school)
    with connection.cursor() as cursor:
        cursor.execute(BUSIEST)
        class_id, subject_id, term_id, teacher_id, journal_marks = cursor.fetchone()
    term = Term.objects.get(pk=term_id)
    school_class, subject = SchoolClass.objects.get(pk=class_id), Subject.objects.get(pk=subject_id)
    teacher = User.objects.get(pk=teacher_id)
    params = {"class": class_id, "subject": subject_id, "term": term.pk, "starts": term.starts_on}
    url = f"/journal/{class_id}/{subject_id}/?term={term.pk}"
    client = Client(HTTP_HOST=school.host)
    client.force_login(teacher, backend="accounts.backends.IdentifierBackend")
    connection.set_schema_to_public()

    def bare():
        with schema_context(school.schema_name), connection.cursor() as cursor:
            bare_grid(cursor, params)

    def selector():
        with schema_context(school.schema_name):
            selectors.journal_grid(school_class, subject, term)

    statements = []  # per page: seconds in the database's statements (the part that could grow)

    def page():
        spent = [0.0]

        def timing(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - started

        with connection.execute_wrapper(timing):
            assert client.get(url).status_code == 200
        statements.append(spent[0])

    def round_():
        page(), selector(), bare()  # warm
        with schema_context(school.schema_name):
            school_marks = Mark.objects.count()
        statements.clear()
        return {
            "school_marks": school_marks,
            "page": timed(page, runs),
            "page_statements_s": statistics.median(statements),
            "selector": timed(selector, runs),
            "bare_sql": timed(bare, runs),
        }

    result = {
        "school": school.slug,
        "journal": f"{school_class} {subject.name}, {term}",
        "journal_marks": journal_marks,
    }
    result["1x"] = round_()
    columns = [f.column for f in Mark._meta.concrete_fields if f.column not in ("id", "request_key")]
    listed = ", ".join(columns)
    with transaction.atomic():
        with schema_context(school.schema_name), connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO journal_mark ({listed})
                    SELECT {", ".join(f"m.{c}" for c in columns)} FROM journal_mark m
                      JOIN journal_lesson l ON l.id = m.lesson_id, generate_series(1, 3)
                     WHERE NOT (l.school_class_id = %s AND l.subject_id = %s AND l.term_id = %s)""",
                [class_id, subject_id, term.pk],
            )
            cursor.execute("ANALYZE journal_mark")
        result["4x"] = round_()
        transaction.set_rollback(True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    from tenants.models import School

    settings.ALLOWED_HOSTS = ["*"]
    school = School.objects.exclude(schema_name="public").order_by("slug").first()
    print(json.dumps(measure(school, options.runs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
