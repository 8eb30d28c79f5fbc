"""E-mail delivery of notifications. A task runs in one school's schema (tenant-schemas-celery);
the periodic sweep fans out one task per working school."""

from django_tenants.utils import schema_context

from config.celery import app
from tenants.models import School

from .services import deliver_pending, weekly_digest


@app.task
def deliver_notifications():
    return deliver_pending()


@app.task
def sweep_notifications():
    """Every minute: whatever the fast path missed (Redis or the worker were down) goes now."""
    sent = 0
    for school in School.objects.exclude(schema_name="public").filter(status=School.Status.ACTIVE):
        with schema_context(school.schema_name):
            deliver_notifications.apply_async()
        sent += 1
    return sent


@app.task
def send_weekly_digest():
    """Runs in one school: a digest for every parent, then the e-mails go out."""
    made = weekly_digest()
    deliver_pending()
    return made


@app.task
def dispatch_weekly_digest():
    for school in School.objects.exclude(schema_name="public").filter(status=School.Status.ACTIVE):
        with schema_context(school.schema_name):
            send_weekly_digest.apply_async()
