"""How a task finds its school: it is sent while the school's schema is active, so
tenant-schemas-celery puts the schema into the message and the worker switches to it
before the task runs. The periodic job is a dispatcher: one task per working school."""

import logging
import random

from celery import current_app, shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context

from accounts.selectors import staff_count

from . import figures as school_figures
from . import integrity
from .backup import stored_files
from .models import School, SchoolFigures

JITTER_SECONDS = 30
logger = logging.getLogger(__name__)


def fan_out(task, args=(), jitter=JITTER_SECONDS, schools=None):
    """Sends `task` once into each of `schools` at once (the sweep's few), or, for a periodic job,
    into every working school (suspended and archived ones skipped) a batch at a time, the batches
    spread over `settings.FAN_OUT_WINDOW`; each task waits up to `jitter` seconds more. Returns
    how many tasks it sent now. Periodic jobs are dispatchers built on this."""
    if schools is not None:
        return _send(task, args, jitter, schools)
    return send_batch(task.name, list(args), jitter)


@shared_task
def send_batch(task_name, args, jitter, after=0, pause=None):
    """A batch of a periodic job's schools, in order of id after `after`; then it sends itself for
    the next batch `pause` seconds later, the pause set by the first batch so that the last starts
    within the window. However many schools there are, the queue holds one batch of a job's tasks
    at a time, and no task waits long (a Redis broker hands a waiting task out again after an hour)."""
    schools = School.objects.working().order_by("pk")
    if pause is None:
        pause = settings.FAN_OUT_WINDOW * settings.FAN_OUT_BATCH / max(schools.count(), 1)
    batch = list(schools.filter(pk__gt=after)[: settings.FAN_OUT_BATCH])
    if len(batch) == settings.FAN_OUT_BATCH:
        send_batch.apply_async(args=[task_name, args, jitter, batch[-1].pk, pause], countdown=pause)
    return _send(current_app.tasks[task_name], args, jitter, batch)


def _send(task, args, jitter, schools):
    for school in schools:
        with schema_context(school.schema_name):
            task.apply_async(args=list(args), countdown=random.uniform(0, jitter) if jitter else None)
    return len(schools)


@shared_task
def dispatch_people_checks(jitter=JITTER_SECONDS):
    return fan_out(check_people, jitter=jitter)


@shared_task
def check_people():
    """Nightly, in each school: every person's id its rows hold names a person (the database
    keeps no foreign key across the schema boundary). A finding is an error for the operators."""
    unknown = integrity.unknown_people()
    if unknown:
        logger.error("school %s holds ids of no person: %s", connection.schema_name, unknown)
    return unknown


@shared_task
def dispatch_school_figures(jitter=JITTER_SECONDS):
    return fan_out(update_school_figures, jitter=jitter)


@shared_task
def update_school_figures():
    school = School.objects.get(schema_name=connection.schema_name)
    if not school.is_ready:
        return None
    figures = school_figures.count()  # counted in the school's own schema, by the apps that own its tables
    figures["staff"] = staff_count(school)
    figures["storage_bytes"] = sum(default_storage.size(name) for name in stored_files(school.schema_name))
    SchoolFigures.objects.update_or_create(school=school, defaults=figures)
    return figures
