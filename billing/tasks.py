"""Billing's periodic jobs run in public: they read what schools reported there, never a school."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


@shared_task
def record_usage():
    return services.record_usage()


@shared_task
def close_last_month():
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        made, notes = services.close_month(month)
    except ValidationError as error:  # closed already (by hand): nothing twice
        logger.info("billing month %s not closed: %s", month, " ".join(error.messages))
        return 0
    for note in notes:
        logger.info("billing %s: %s", month, note)
    return len(made)


@shared_task
def remind_overdue():
    return services.remind_overdue()
