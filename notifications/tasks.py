"""A task runs in one school's schema (tenant-schemas-celery); the periodic sweep fans out one
task per school with notices waiting."""

from celery import shared_task
from django.utils import timezone

from tenants import outbox
from tenants.tasks import fan_out

from . import push
from .delivery import deliver_pending
from .models import Notification
from .selectors import waiting


@shared_task
def deliver_notifications():
    """The school's e-mail; push in a task of its own, so that a slow push service never holds
    the school's mail."""
    started = timezone.now()
    sent = deliver_pending()
    if push.enabled() and Notification.objects.filter(push.PUSH_WAITING).exists():
        push_notifications.apply_async(retry=False)
    elif not waiting().exists():
        outbox.clear(started)
    return sent


@shared_task
def push_notifications():
    started = timezone.now()
    sent = push.push_pending()
    if not waiting().exists():
        outbox.clear(started)
    return sent


@shared_task
def sweep_notifications():
    """Every minute: whatever the fast path missed (Redis or the worker were down) goes now,
    in the schools marked as having notices waiting — the work, not the number of schools."""
    return fan_out(deliver_notifications, jitter=0, schools=outbox.waiting())
