"""The outbox with the real parts: a Redis broker of the test's own that it stops and starts,
a real Celery worker process that it kills, the test database, e-mails written to files.
Nothing is lost and each notification is e-mailed once."""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from config.celery import app
from journal import services
from journal.models import Lesson, Mark
from notifications.models import Notification
from notifications.tasks import sweep_notifications
from tests.conftest import audit_rewritable, database_url_of_tests, free_port, use_broker

pytestmark = pytest.mark.worker


class Broker:
    def __init__(self, directory):
        self.port, self.directory = free_port(), directory

    def start(self):
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.directory),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise AssertionError("the test's Redis did not start")

    def stop(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        time.sleep(0.3)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Worker:
    def __init__(self, broker, mail_dir):
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": broker.url,
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url_of_tests(),
            "DEBUG": "True",  # a development worker: it may write mails to files
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
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
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def emails(mail_dir):
    """The e-mails sent so far, as (recipient, text) pairs."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for message in path.read_text().split("-" * 79):
            to = next((line[4:] for line in message.splitlines() if line.startswith("To: ")), None)
            if to:
                found.append((to, message))
    return found


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def committed_mark(world, lesson, value):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value=value, work_type=cal.answer, by=a.class_teacher)


def waiting(world):
    with schema_context(world.a.school.schema_name):
        return Notification.objects.filter(pupil=world.a.pupils[0], email_sent_at__isnull=True).count()


@pytest.fixture(scope="module")
def story(world, django_db_blocker, tmp_path_factory):
    """Runs the whole story outside any test transaction, so that the worker sees each commit,
    and notes what was seen at each step; the test below checks the notes."""
    assert shutil.which("redis-server"), "redis-server is needed for this test (apt-get install redis-server)"
    broker, mail_dir = Broker(tmp_path_factory.mktemp("redis")), tmp_path_factory.mktemp("mail")
    worker = Worker(broker, mail_dir)
    a, cal = world.a, world.calendar_a
    notes = {}
    old_broker = app.conf.broker_url
    use_broker(broker.url)
    with django_db_blocker.unblock():
        with schema_context(a.school.schema_name):
            lessons = list(
                Lesson.objects.filter(
                    school_class=a.school_class, subject=cal.math, term=cal.term, date__lte=date.today()
                ).order_by("-date")[:2]
            )
        try:
            # Redis stops; the teacher sets a mark: the mark and its notifications are saved all the same.
            broker.start()
            broker.stop()
            committed_mark(world, lessons[0], "5")
            notes["waiting while redis is down"] = waiting(world)
            # Redis and the worker come back; the sweep sends what was waiting, once.
            broker.start()
            worker.start()
            sweep_notifications.apply_async()
            notes["sent after recovery"] = wait_for(lambda: len(emails(mail_dir)) >= 2)
            sweep_notifications.apply_async()
            time.sleep(3)
            notes["after a second sweep"] = sorted(to for to, _ in emails(mail_dir))
            # The worker is killed; a new mark's delivery waits in Redis and goes when a worker is back.
            worker.kill()
            committed_mark(world, lessons[1], "4")
            time.sleep(1)
            notes["sent while the worker is dead"] = len(emails(mail_dir))
            worker.start()
            notes["sent after the worker is back"] = wait_for(lambda: len(emails(mail_dir)) >= 4)
            sweep_notifications.apply_async()
            time.sleep(3)
            notes["all"] = emails(mail_dir)
        finally:
            if worker.process and worker.process.poll() is None:
                worker.kill()
            broker.stop()
            use_broker(old_broker)
            with schema_context(a.school.schema_name):  # this story's rows, committed: take them away again
                marks = Mark.objects.filter(lesson__in=lessons, pupil=a.pupils[0])
                with audit_rewritable():
                    AuditEntry.objects.filter(target_type="journal.mark", target_id__in=marks.values("pk")).delete()
                Notification.objects.filter(pupil=a.pupils[0]).delete()
                marks.delete()
            connection.set_schema_to_public()
    return notes


def test_nothing_is_lost_when_redis_or_the_worker_is_down_and_each_email_goes_once(story):
    recipients = ["parent@family.test", "pupil@school-a.test"]
    assert story["waiting while redis is down"] == 2
    assert story["sent after recovery"], "the waiting notifications were not e-mailed"
    assert story["after a second sweep"] == recipients
    assert story["sent while the worker is dead"] == 2
    assert story["sent after the worker is back"], "the queued delivery was lost with the worker"
    sent = story["all"]
    assert sorted(to for to, _ in sent) == sorted(recipients * 2)
    assert sum("— 4 (" in text for _, text in sent) == 2 and sum("— 5 (" in text for _, text in sent) == 2
