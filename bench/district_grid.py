"""The journal grid in a school of the synthetic district (bench/district.py), as its marks grow:
the page a teacher gets (server time in this process), the selector alone and the bare SQL of
the same rows, for the journal (class, subject, term) with the most marks (and of the page's time, how much
its statements took: the part that could grow with the school); then again with the school's
other journals holding four times the marks (three copies of every other mark, as by May), and
the database's statistics brought up to date. The copies are rolled back. Beside them the
grid's body rendered by the page's Django template and by a Jinja2 port of it, from the same context.

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
    result["templates"] = templates(client, url, runs)
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


def jinja2_environment():
    """Jinja2 as Django's templates print: the same filters, every value localized (4,50)."""
    from django.template.defaultfilters import date
    from django.urls import reverse
    from django.utils import formats, translation
    from jinja2 import Environment

    env = Environment(
        extensions=["jinja2.ext.i18n"], autoescape=True, finalize=formats.localize, keep_trailing_newline=True
    )
    env.install_gettext_translations(translation, newstyle=True)
    env.globals["url"] = lambda name, *args: reverse(name, args=args)
    env.filters.update(date=date, if_none=lambda value: "" if value is None else value)
    return env


def templates(client, url, runs):
    """The grid's body (its cells and printed pages) with the page's own context: the page's
    Django template against a Jinja2 port of it (bench/grid_body.jinja.html), which the issue
    would keep at 2× faster with the same HTML. Both call the same Python for the cells."""
    from django.template import engines
    from django.test.utils import setup_test_environment, teardown_test_environment

    from journal.templatetags.journal_grid import grid_cells, print_cells

    setup_test_environment()  # the test client then hands back the page's context
    try:
        context = next(c for c in client.get(url).context if "grid" in c).flatten()
    finally:
        teardown_test_environment()
    page = (ROOT / "journal" / "templates" / "journal" / "journal_grid.html").read_text()
    body = page[page.index('<div class="grid-wrap') : page.index('<p id="status"')]
    django_body = engines["django"].from_string("{% load i18n journal_grid %}" + body)
    jinja_body = jinja2_environment().from_string((ROOT / "bench" / "grid_body.jinja.html").read_text())
    cells = {"grid_cells": lambda row: grid_cells(context, row), "print_cells": print_cells}
    return {
        "django": timed(lambda: django_body.render(context), runs),
        "jinja2": timed(lambda: jinja_body.render(context | cells), runs),
        "same_html": django_body.render(context) == jinja_body.render(context | cells),
    }


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
