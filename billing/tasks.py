"""Billing's periodic jobs run in public: they read what schools reported there, never a school."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from config.celery import app

from . import services

logger = logging.getLogger(__name__)


@app.task
def record_usage():
    return services.record_usage()


@app.task
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


@app.task
def remind_overdue():
    return services.remind_overdue()
