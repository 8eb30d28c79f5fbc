"""How a task finds its school: it is sent while the school's schema is active, so
tenant-schemas-celery puts the schema into the message and the worker switches to it
before the task runs. The periodic job is a dispatcher: one task per working school."""

import logging
import random

from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context

from accounts.selectors import staff_count
from config.celery import app

from . import figures as school_figures
from . import integrity
from .backup import stored_files
from .models import School, SchoolFigures

JITTER_SECONDS = 30
logger = logging.getLogger(__name__)


def fan_out(task, args=(), jitter=JITTER_SECONDS, schools=None):
    """Sends `task` once into every working school's schema (or each of `schools`), spread over
    `jitter` seconds; suspended and archived schools are skipped. Periodic jobs are dispatchers
    built on this."""
    sent = 0
    for school in School.objects.working() if schools is None else schools:
        with schema_context(school.schema_name):
            task.apply_async(args=list(args), countdown=random.uniform(0, jitter) if jitter else None)
        sent += 1
    return sent


@app.task
def dispatch_people_checks(jitter=JITTER_SECONDS):
    return fan_out(check_people, jitter=jitter)


@app.task
def check_people():
    """Nightly, in each school: every person's id its rows hold names a person (the database
    keeps no foreign key across the schema boundary). A finding is an error for the operators."""
    unknown = integrity.unknown_people()
    if unknown:
        logger.error("school %s holds ids of no person: %s", connection.schema_name, unknown)
    return unknown


@app.task
def dispatch_school_figures(jitter=JITTER_SECONDS):
    return fan_out(update_school_figures, jitter=jitter)


@app.task
def update_school_figures():
    school = School.objects.get(schema_name=connection.schema_name)
    if not school.is_ready:
        return None
    figures = school_figures.count()  # counted in the school's own schema, by the apps that own its tables
    figures["staff"] = staff_count(school)
    figures["storage_bytes"] = sum(default_storage.size(name) for name in stored_files(school.schema_name))
    SchoolFigures.objects.update_or_create(school=school, defaults=figures)
    return figures
