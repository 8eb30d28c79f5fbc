"""A task runs in one school's schema (tenant-schemas-celery); the periodic sweep fans out one
task per working school."""

from config.celery import app
from tenants.tasks import fan_out

from .delivery import deliver_pending
from .push import push_pending


@app.task
def deliver_notifications():
    return deliver_pending() + push_pending()


@app.task
def sweep_notifications():
    """Every minute: whatever the fast path missed (Redis or the worker were down) goes now."""
    return fan_out(deliver_notifications, jitter=0)
