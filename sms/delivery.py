"""Sending the SMS outbox, as the e-mail outbox is sent (notifications.delivery): a message is
claimed and the claim committed before it goes, marked after; failures wait longer each time."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import gateways
from .models import TextMessage

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 6
WAITING = Q(sent_at__isnull=True, skipped="")


def backoff(attempts):
    """1 min, doubling, at most 2 h: a code is worth minutes, a notice a few hours."""
    return min(timedelta(minutes=1) * 2 ** min(attempts - 1, 7), timedelta(hours=2))


def send_waiting(limit=200, now=None):
    gateway = gateways.gateway()
    if gateway is None:
        return 0  # not set up: messages wait (and codes expire)
    now = now or timezone.now()
    with transaction.atomic():
        batch = list(
            TextMessage.objects.select_for_update(skip_locked=True)
            .filter(WAITING)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .order_by("created_at")[:limit]
        )
        claimed = []
        for message in batch:
            if message.expires_at and message.expires_at <= now:
                message.skipped = "expired"
            else:
                message.claimed_at = now
                claimed.append(message)
            message.save(update_fields=["skipped", "claimed_at"])
    sent = 0
    for message in claimed:
        attempts = message.attempts + 1
        try:
            gateway_ref = gateway.send(message.phone, message.text)
        except gateways.Refused as error:
            TextMessage.objects.filter(pk=message.pk).update(
                claimed_at=None, attempts=attempts, skipped="refused", last_error=str(error)[:500]
            )
        except gateways.Unavailable as error:
            given_up = attempts >= MAX_ATTEMPTS
            TextMessage.objects.filter(pk=message.pk).update(
                claimed_at=None,
                attempts=attempts,
                last_error=str(error)[:500],
                retry_at=None if given_up else now + backoff(attempts),
                skipped="failed" if given_up else "",
            )
        else:
            TextMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
                sent_at=timezone.now(), attempts=attempts, gateway_ref=gateway_ref[:50]
            )
            sent += 1
    return sent
