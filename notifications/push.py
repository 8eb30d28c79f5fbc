"""Web Push from the outbox (RFC 8030/8291/8292 by pywebpush): each notification of a kind a
family wants at once goes to every device its reader installed the web app on, once, outside
their quiet hours and only if they keep push on. Claimed first (claim committed), marked sent
after; a claim older than CLAIM_TIMEOUT is taken again, as for e-mail."""

import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from pywebpush import WebPushException, webpush

from accounts.models import NotificationPreference, PushSubscription

from .delivery import CLAIM_TIMEOUT
from .models import Notification

logger = logging.getLogger(__name__)
PUSH_KINDS = {"mark", "absence", "remark", "meeting", "final", "substitution", "message"}
PUSH_WAITING = Q(push_sent_at__isnull=True, push_skipped="", kind__in=PUSH_KINDS)


def enabled():
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def push_pending(limit=200, now=None):
    if not enabled():
        return 0
    now = now or timezone.now()
    local = timezone.localtime(now).time()
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(PUSH_WAITING)
            .filter(Q(push_claimed_at__isnull=True) | Q(push_claimed_at__lt=now - CLAIM_TIMEOUT))
            .order_by("created_at")[:limit]
        )
        people = {n.recipient_id for n in batch}
        preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=people)}
        devices = {}
        for device in PushSubscription.objects.filter(user__in=people, ended_at__isnull=True):
            devices.setdefault(device.user_id, []).append(device)
        claimed = []
        for notice in batch:
            preference = preferences.get(notice.recipient_id)
            if preference and not preference.push:
                notice.push_skipped = "push off"
            elif not devices.get(notice.recipient_id):
                notice.push_skipped = "no device"
            elif preference and preference.is_quiet(local):
                continue  # the first sweep after the quiet hours sends it
            else:
                notice.push_claimed_at = now
                claimed.append(notice)
            notice.save(update_fields=["push_skipped", "push_claimed_at"])
    sent = 0
    for notice in claimed:
        payload = json.dumps(
            {
                "title": f"Электронный дневник: {notice.get_kind_display()}",
                "body": notice.text,
                "tag": f"{connection.schema_name}-{notice.pk}",  # one notice, one banner
                "url": "/notifications/" if notice.pupil_id else "/",
            },
            ensure_ascii=False,
        )
        for device in devices[notice.recipient_id]:
            send(device, payload)
        Notification.objects.filter(pk=notice.pk, push_sent_at__isnull=True).update(push_sent_at=timezone.now())
        sent += 1
    return sent


def send(device, payload):
    try:
        webpush(
            subscription_info={"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            data=payload,
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):  # the browser unsubscribed or the app was removed
            PushSubscription.objects.filter(pk=device.pk).update(ended_at=timezone.now())
        else:
            logger.warning("push to a device failed: %s", status or error)
    except Exception as error:  # the push service unreachable: the notice stays on the portal
        logger.warning("push to a device failed: %s", error.__class__.__name__)
