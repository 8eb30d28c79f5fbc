"""A task runs in one school's schema (tenant-schemas-celery); the periodic sweep fans out one
task per school with notices waiting."""

from celery import shared_task
from django.utils import timezone

from tenants import outbox
from tenants.tasks import fan_out

from .delivery import deliver_pending
from .push import push_pending
from .selectors import waiting


@shared_task
def deliver_notifications():
    started = timezone.now()
    sent = deliver_pending() + push_pending()
    if not waiting().exists():
        outbox.clear(started)
    return sent


@shared_task
def sweep_notifications():
    """Every minute: whatever the fast path missed (Redis or the worker were down) goes now,
    in the schools marked as having notices waiting — the work, not the number of schools."""
    return fan_out(deliver_notifications, jitter=0, schools=outbox.waiting())
