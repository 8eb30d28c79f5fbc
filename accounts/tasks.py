"""Accounts' periodic job, in public."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def clear_expired_sessions():
    """Nightly: expired sign-ins leave the public sessions table, which otherwise grows with every
    sign-in of the region (docs/scaling.md). Returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
