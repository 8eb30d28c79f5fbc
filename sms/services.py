"""Writes to the SMS outbox, in the caller's transaction."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import gateways
from .models import TextMessage
from .selectors import sent_this_month
from .tasks import send_text_messages

logger = logging.getLogger(__name__)
OVER_LIMIT = "over the school's limit"


def enabled():
    return gateways.gateway() is not None


def send_about_account(phone, text, *, minutes=None):
    """A code or a notice about the person's own account: not a school's to pay. A code is
    useless after its `minutes`; not sent by then, it is not sent at all."""
    message = TextMessage.objects.create(
        phone=phone,
        text=text[:480],
        purpose=TextMessage.Purpose.ACCOUNT,
        expires_at=timezone.now() + timedelta(minutes=minutes) if minutes else None,
    )
    transaction.on_commit(kick)
    return message


def send_notice(phone, text, *, school):
    """An urgent notice for a parent with only a phone, on the school's monthly limit: over it,
    the message is written but skipped (the school's usage page shows how many)."""
    message = TextMessage(phone=phone, text=text[:480], purpose=TextMessage.Purpose.NOTICE, school=school)
    if sent_this_month(school) >= school.sms_monthly_limit:
        message.skipped = OVER_LIMIT
    message.save()
    if not message.skipped:
        transaction.on_commit(kick)
    return message


def kick():
    try:
        send_text_messages.apply_async(retry=False)
    except Exception:  # the broker is down: the minute's sweep sends it
        logger.warning("SMS not queued; the periodic sweep will send it")
