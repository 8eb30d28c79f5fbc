"""Tasks find their school: a real Celery worker, a real Redis broker, the test database."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from config.celery import app
from tenants.models import SchoolFigures
from tenants.tasks import dispatch_school_figures, update_school_figures
from tests.conftest import database_url_of_tests, use_broker

pytestmark = pytest.mark.worker
WORKER_NAME = "ejournal-test-worker"


@pytest.fixture(scope="module")
def worker(world, django_db_blocker):
    # The broker is this run's Redis; the queue is this worker's own (tests/settings.py), so a demo
    # worker or another run on the same Redis never takes these tasks, and only that queue is emptied.
    database_url = database_url_of_tests()
    # DEBUG on: a development worker (no mail server); production's refusals are tests/test_production.py's
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "True",
        # A periodic job's schools one at a time, batches a second apart: the chain is what is tested.
        "FAN_OUT_BATCH": "1",
        "FAN_OUT_WINDOW": "2",
        "PGAPPNAME": WORKER_NAME,  # its connections, as PostgreSQL lists them
    }
    use_broker(settings.CELERY_BROKER_URL)
    app.control.purge()  # tasks a stopped run left in this queue
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


def wait_for_update(school, since, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        figures = SchoolFigures.objects.get(school=school)
        if figures.updated_at > since:
            return figures
        time.sleep(0.2)
    raise AssertionError(f"{school.slug}: the worker did not update the figures in {timeout}s")


def test_a_task_sent_from_a_school_runs_in_that_school(world, worker, db):
    before = SchoolFigures.objects.get(school=world.b.school).updated_at
    with schema_context(world.b.school.schema_name):
        update_school_figures.delay()
    figures = wait_for_update(world.b.school, before)
    # School B's own counts: 4 pupils in 2 classes, 5 staff, one pupil with a parent on the portal.
    assert (figures.classes, figures.pupils, figures.staff, figures.pupils_with_parent) == (2, 4, 5, 1)


def test_the_dispatcher_updates_every_working_school_a_batch_at_a_time_and_skips_a_suspended_one(world, worker, db):
    before = {
        s: SchoolFigures.objects.get(school=s).updated_at for s in (world.a.school, world.b.school, world.suspended)
    }
    dispatch_school_figures.apply_async(kwargs={"jitter": 0})
    a = wait_for_update(world.a.school, before[world.a.school])
    wait_for_update(world.b.school, before[world.b.school])
    assert (a.classes, a.pupils, a.staff, a.pupils_with_parent) == (2, 4, 5, 2)
    time.sleep(1)  # the suspended school's task would have run by now
    assert SchoolFigures.objects.get(school=world.suspended).updated_at == before[world.suspended]
    assert connection.schema_name == "public"


def test_the_worker_connects_afresh_for_each_task_and_keeps_no_connection_between_them(world, worker, db):
    """A worker visits every school in a night; a connection kept across tasks would hold every
    school's catalog (about 120 MB at 1,000 schools, docs/scaling.md). Celery's Django fix-up
    closes it after each task, unless CELERY_DB_REUSE_MAX is set; this keeps it so."""

    def sessions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the statistics as of now, not of this transaction
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            started = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WORKER_NAME])
            return started, cursor.fetchone()[0]

    started, _ = sessions()
    for school in (world.a.school, world.b.school):
        before = SchoolFigures.objects.get(school=school).updated_at
        with schema_context(school.schema_name):
            update_school_figures.delay()
        wait_for_update(school, before)
    deadline = time.monotonic() + 10
    opened, still_open = sessions()
    while time.monotonic() < deadline and not (opened >= started + 2 and still_open == 0):
        time.sleep(0.2)
        opened, still_open = sessions()
    assert opened >= started + 2  # a session of its own for each task
    assert still_open == 0  # and none left open after them


def test_the_worker_is_still_alive(worker):
    assert worker.poll() is None, worker.stdout.read()


def test_monitoring_tasks_compute_in_their_school_and_write_counts_to_public(world, worker, db):
    from datetime import timedelta

    from monitoring.models import Report, SchoolMonth
    from monitoring.reports import previous_month, previous_week
    from monitoring.tasks import school_report, update_school_month

    month = previous_month(previous_month())  # periods no other test uses: the worker's rows stay
    week = previous_week() - timedelta(days=14)
    with schema_context(world.b.school.schema_name):
        update_school_month.delay(month.isoformat())
        school_report.delay("activity", week.isoformat())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        SchoolMonth.objects.filter(school=world.b.school, month=month).count()
        == 19  # Q1–Q17, Q6 within 3 days, Q12 waiting
        and Report.objects.filter(kind="activity", school=world.b.school, starts_on=week).exists()
    ):
        time.sleep(0.2)
    assert SchoolMonth.objects.filter(school=world.b.school, month=month).count() == 19
    assert not SchoolMonth.objects.filter(school=world.a.school, month=month).exists()
    report = Report.objects.get(kind="activity", school=world.b.school, starts_on=week)
    assert {g["group"]: g["users"] for g in report.data["groups"]} == {"staff": 5, "parents": 1, "pupils": 1}
