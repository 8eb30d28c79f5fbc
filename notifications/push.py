"""Web Push from the outbox (RFC 8030/8291/8292 by pywebpush): each notification of a kind a
family wants at once goes to every device its reader installed the web app on, once, outside
their quiet hours and only if they keep push on. Claimed first (claim committed), marked sent
after; a claim older than CLAIM_TIMEOUT is taken again, as for e-mail."""

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from pywebpush import WebPushException, webpush

from accounts.models import NotificationPreference, PushSubscription

from .delivery import CLAIM_TIMEOUT
from .models import Notification

logger = logging.getLogger(__name__)
PUSH_KINDS = {"mark", "absence", "remark", "meeting", "final", "substitution", "message"}
TIMEOUT = (3, 5)  # seconds to connect, to answer: a hanging service is given up quickly
PARALLEL = 8
GONE = "gone"
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
        for device in PushSubscription.objects.filter(user__in=people, ended_at__isnull=True).filter(
            # Only while the session it was made in lasts: not after signing out or the session's end.
            session_key__in=Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        ):
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
    posts = []
    for notice in claimed:
        payload = json.dumps(
            {
                "title": gettext("Электронный дневник: %(get_kind_display)s")
                % {"get_kind_display": notice.get_kind_display()},
                "body": notice.text,
                "tag": f"{connection.schema_name}-{notice.pk}",  # one notice, one banner
                "url": "/notifications/" if notice.pupil_id else "/",
            },
            ensure_ascii=False,
        )
        posts += [(device, payload) for device in devices[notice.recipient_id]]
    # Side by side: one slow push service holds a batch for one timeout, not one per device.
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(lambda post: post_to_service(*post), posts))
    gone = {device.pk for (device, _), answer in zip(posts, answers, strict=True) if answer == GONE}
    PushSubscription.objects.filter(pk__in=gone).update(ended_at=timezone.now())
    Notification.objects.filter(pk__in=[n.pk for n in claimed], push_sent_at__isnull=True).update(
        push_sent_at=timezone.now()
    )
    return len(claimed)


def send(device, payload):
    """One notice to one device, now; the device ends if its push service no longer knows it."""
    if post_to_service(device, payload) == GONE:
        PushSubscription.objects.filter(pk=device.pk).update(ended_at=timezone.now())


def post_to_service(device, payload):
    """POSTs to the device's push service (no database: it runs in a pool's thread). GONE when
    the browser unsubscribed or the app was removed; a failure leaves the notice on the portal."""
    if not device.reaches_only_public_addresses():
        logger.warning("push to %s refused: not a public push service", device.service)
        return None
    try:
        webpush(
            subscription_info={"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            data=payload,
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=TIMEOUT,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            return GONE
        logger.warning("push to a device failed: %s", status or error)
    except Exception as error:  # the push service unreachable
        logger.warning("push to a device failed: %s", error.__class__.__name__)
    return None
