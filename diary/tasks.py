"""E-mail delivery of notifications. A task runs in one school's schema (tenant-schemas-celery);
the periodic sweep fans out one task per working school."""

from config.celery import app
from tenants.tasks import fan_out

from .services import deliver_pending, weekly_digest


@app.task
def deliver_notifications():
    return deliver_pending()


@app.task
def sweep_notifications():
    """Every minute: whatever the fast path missed (Redis or the worker were down) goes now."""
    return fan_out(deliver_notifications, jitter=0)


@app.task
def send_weekly_digest():
    """Runs in one school: a digest for every parent, then the e-mails go out."""
    made = weekly_digest()
    deliver_pending()
    return made


@app.task
def dispatch_weekly_digest():
    return fan_out(send_weekly_digest)
