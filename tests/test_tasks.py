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


@pytest.fixture(scope="module")
def worker(world, django_db_blocker):
    # A broker database of its own, so a demo worker on the same Redis never takes these tasks.
    broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/9"
    database_url = database_url_of_tests()
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker, "LOG_LEVEL": "WARNING"}
    use_broker(broker)
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "warning"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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


def test_the_dispatcher_updates_every_working_school_and_skips_a_suspended_one(world, worker, db):
    before = {s: SchoolFigures.objects.get(school=s).updated_at for s in (world.a.school, world.b.school, world.suspended)}
    dispatch_school_figures.apply_async(kwargs={"jitter": 0})
    a = wait_for_update(world.a.school, before[world.a.school])
    wait_for_update(world.b.school, before[world.b.school])
    assert (a.classes, a.pupils, a.staff, a.pupils_with_parent) == (2, 4, 5, 2)
    time.sleep(1)  # the suspended school's task would have run by now
    assert SchoolFigures.objects.get(school=world.suspended).updated_at == before[world.suspended]
    assert connection.schema_name == "public"


def test_the_worker_is_still_alive(worker):
    assert worker.poll() is None, worker.stdout.read()
