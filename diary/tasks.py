"""The weekly digest: a task runs in one school's schema (tenant-schemas-celery); the weekly
dispatch fans out one task per working school."""

from celery import shared_task

from notifications.delivery import deliver_pending
from tenants.tasks import fan_out

from .services import weekly_digest


@shared_task
def send_weekly_digest():
    """Runs in one school: a digest for every parent, then the e-mails go out."""
    made = weekly_digest()
    deliver_pending()
    return made


@shared_task
def dispatch_weekly_digest():
    return fan_out(send_weekly_digest)
