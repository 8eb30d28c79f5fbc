"""`make demo` seeds a demo district into an empty database."""

import os
import subprocess
import sys
from datetime import date, timedelta

import psycopg
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Role
from demo.school_year import school_year
from journal import imports
from journal.models import ImportBatch
from journal.oneroster import schools_in
from tenants.services import create_school
from tests.test_oneroster import contingent
from tests.test_oneroster import read as read_package


def manage(url, *args):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout


def test_the_demo_seed_runs_on_an_empty_database(new_installation, tmp_path, world, db):
    url = new_installation
    out = manage(url, "seed_demo")
    assert "http://school1.localhost:8000/" in out and "demo-parol-2026" in out
    with psycopg.connect(url) as conn:
        schemas = [r[0] for r in conn.execute("SELECT schema_name FROM tenants_school ORDER BY slug")]
        assert schemas == ["school_gymnasium2", "school_mikhailovskoe", "school_school1"]
        sizes = {"school_gymnasium2": 12, "school_mikhailovskoe": 7, "school_school1": 14}  # pupils a class
        for schema in schemas:
            # This year's classes and pupils (a record of an earlier year aside).
            pupils, classes, parents = conn.execute(
                f"SELECT (SELECT count(*) FROM {schema}.journal_pupil WHERE withdrawn_on IS NULL),"
                f" (SELECT count(*) FROM {schema}.journal_schoolclass c JOIN {schema}.journal_academicyear y"
                f" ON y.id = c.year_id WHERE y.closed_at IS NULL),"
                f" (SELECT count(DISTINCT pupil_id) FROM {schema}.journal_guardian WHERE consent_at IS NOT NULL)"
            ).fetchone()
            assert classes == 6 and pupils == 6 * sizes[schema] and 0 < parents < pupils
            # One term of journal data so far: lessons before today carry topics, attendance and marks.
            held, with_topic, marks = conn.execute(
                f"SELECT count(*), count(*) FILTER (WHERE topic <> ''),"
                f" (SELECT count(*) FROM {schema}.journal_mark) FROM {schema}.journal_lesson WHERE date < %s",
                [date.today()],  # the test run's day, which the seed saw too (not the database's clock)
            ).fetchone()
            # Six classes with about 25 lessons a week each: a hundred lessons by the second week of September.
            assert held > 100 or date.today() < school_year(date.today())[0] + timedelta(days=14)
            assert with_topic > 0.85 * held and marks > held  # the village school keeps it with gaps
            # The thematic plans are dated (the plans service), so programme coverage has topics due.
            due, matched = conn.execute(
                f"SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {schema}.journal_lesson l"
                f" WHERE l.planned_topic_id = t.id)) FROM {schema}.journal_plannedtopic t WHERE t.due_on < %s",
                [date.today()],
            ).fetchone()
            assert due > 0.9 * held and matched > 0.85 * due
            # Looks real: the 1st grade learns without marks, no teacher gives two lessons at once,
            # a pupil's account carries the pupil's own name.
            first_grade_marks, twice, misnamed = conn.execute(
                f"SELECT (SELECT count(*) FROM {schema}.journal_mark m JOIN {schema}.journal_lesson l ON l.id = m.lesson_id"
                f" JOIN {schema}.journal_schoolclass c ON c.id = l.school_class_id WHERE c.grade = 1),"
                f" (SELECT count(*) FROM (SELECT coalesce(taught_by_id, teacher_id), date, number FROM {schema}.journal_lesson"
                f" WHERE cancelled_at IS NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) AS clash),"
                f" (SELECT count(*) FROM {schema}.journal_pupil p JOIN accounts_user u ON u.id = p.user_id"
                f" WHERE (u.last_name, u.first_name) <> (p.last_name, p.first_name))"
            ).fetchone()
            assert (first_grade_marks, twice, misnamed) == (0, 0, 0)
        # The schools differ: a strong, a usual and a weak one.
        topics = conn.execute(
            "SELECT count(DISTINCT numerator::float / denominator) FROM monitoring_schoolmonth WHERE code = 'Q1'"
            " AND denominator > 0 AND month = %s",
            [date.today().replace(day=1)],
        ).fetchone()[0]
        assert topics == 3 or date.today().day < 3
        # The demo family: one parent login with a child in each of two schools.
        schools_of_family = conn.execute(
            "SELECT count(*) FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id"
            " WHERE u.phone = '+79000000001' AND m.role = 'parent'"
        ).fetchone()[0]
        assert schools_of_family == 2
        # What a school does besides the lessons: attestation with results, рабочие программы, a
        # portfolio; and the first child's year at the other school before the family moved.
        for schema in schemas:
            exams, results, programmes = conn.execute(
                f"SELECT (SELECT count(*) FROM {schema}.journal_exam), (SELECT count(*) FROM {schema}.journal_examresult),"
                f" (SELECT count(*) FROM {schema}.journal_workprogramme)"
            ).fetchone()
            assert exams > 0 and results > 0 and programmes > 0
        earlier = conn.execute(
            "SELECT count(*) FROM school_gymnasium2.journal_academicyear WHERE closed_at IS NOT NULL"
        ).fetchone()[0]
        assert earlier == 1
        # The district sees this month's and last month's indicators and last month's reports.
        figures, reports = conn.execute(
            "SELECT (SELECT count(DISTINCT (school_id, month)) FROM monitoring_schoolmonth),"
            " (SELECT count(*) FROM monitoring_report WHERE school_id IS NULL)"
        ).fetchone()
        assert (figures, reports) == (6, 3)
        # The operator has last month's invoice for the district, one line per school.
        invoices, lines = conn.execute(
            "SELECT (SELECT count(*) FROM billing_invoice), (SELECT count(*) FROM billing_invoiceline)"
        ).fetchone()
        assert (invoices, lines) == (1, 3)
    # Run again: it leaves the district as it is.
    assert "уже создан" in manage(url, "seed_demo")
    the_demo_district_round_trips_through_oneroster(url, tmp_path, world)


def the_demo_district_round_trips_through_oneroster(url, tmp_path, world):
    """The district's OneRoster package follows the binding, and a school's contingent from it
    loads into an empty school (here in the tests' own database) with the same classes, pupils
    and enrolments."""
    package = tmp_path / "district.zip"
    manage(url, "export_oneroster", "--district", "--results", "--out", str(package))
    files = read_package(package.read_bytes())
    assert len(schools_in(files)) == 3 and len(files["results"]) > 1000
    school = create_school(name="МБОУ «Школа Дельта»", short_name="Школа Дельта", slug="school-d")
    admin = world.person("admin@school-d.test")
    accounts.add_membership(admin, school, Role.SCHOOL_ADMIN)
    with package.open("rb") as opened, schema_context(school.schema_name):
        upload = SimpleUploadedFile("district.zip", opened.read())
        batch = imports.parse(
            ImportBatch.Kind.ONEROSTER, upload, by=admin, school=school, context={"org": "school-school1"}
        )
        assert batch.errors == []
        made = imports.apply(batch, school=school, by=admin)
    loaded = contingent(school)
    with psycopg.connect(url) as conn:
        open_year = "c.year_id IN (SELECT id FROM school_school1.journal_academicyear WHERE closed_at IS NULL)"
        classes = sorted(
            f"{grade}{letter}"
            for grade, letter in conn.execute(
                f"SELECT grade, letter FROM school_school1.journal_schoolclass c WHERE {open_year}"
            )
        )
        pupils = sorted(
            tuple(row)
            for row in conn.execute(
                "SELECT p.last_name, p.first_name, p.middle_name, p.birth_date, c.grade || c.letter, p.enrolled_on,"
                " p.enrollment_order FROM school_school1.journal_pupil p"
                f" JOIN school_school1.journal_schoolclass c ON c.id = p.school_class_id WHERE p.withdrawn_on IS NULL AND {open_year}"
            )
        )
        links = conn.execute(
            "SELECT count(*) FROM school_school1.journal_guardian g JOIN school_school1.journal_pupil p ON p.id = g.pupil_id"
            " WHERE g.ended_at IS NULL AND p.withdrawn_on IS NULL"
        ).fetchone()[0]
    assert loaded == {"classes": classes, "pupils": pupils} and len(pupils) == 84
    # Each parent's link comes back as an invitation for that child, to print and hand over.
    assert sum(isinstance(m, tuple) for m in made) == links > 0
