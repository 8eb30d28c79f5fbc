"""Writes to the outbox. Called with the school's schema active, inside the caller's transaction."""

import logging
from time import monotonic

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants import outbox

from .models import Notification
from .tasks import deliver_notifications

logger = logging.getLogger(__name__)


def notify(recipients, kind, text, pupil=None, day=None):
    """One notification per person, written in the caller's transaction; once it commits a worker
    is asked to send the e-mails. If Redis is down the rows wait; the periodic sweep sends them.
    `day`: the school day it is about, which the notice links to."""
    return notify_each(kind, [(recipients, text, pupil, day)])


def notify_each(kind, notices):
    """notify for several texts at once, `notices` as (recipients, text, pupil[, day]): one INSERT."""
    notices = Notification.objects.bulk_create(
        [
            Notification(recipient_id=user_id, pupil=pupil, kind=kind, text=text, day=day[0] if day else None)
            for recipients, text, pupil, *day in notices
            for user_id in dict.fromkeys(recipients)
        ]
    )
    if notices:
        outbox.mark()
        transaction.on_commit(kick_delivery)
    return notices


KICK_EVERY = 1.0  # seconds
_kicked_at = {}  # school schema → when this process last asked for its delivery (monotonic)


def kick_delivery():
    """Asks a worker to send the school's notices: at most once a second per school and process
    (a teacher's marks come several a second; each ask cost a broker round trip), the task due a
    second later, so that it also sends what the asks skipped meanwhile were for. Whatever is
    still missed, the minute's sweep sends."""
    now, school = monotonic(), connection.schema_name
    if now - _kicked_at.get(school, -KICK_EVERY) < KICK_EVERY:
        return
    _kicked_at[school] = now
    try:
        deliver_notifications.apply_async(countdown=KICK_EVERY, retry=False)
    except Exception:  # the broker is down: the sweep will find the rows
        logger.warning("notification delivery not queued; the periodic sweep will send it")


def mark_shown(notices):
    """Notices shown to their reader become read, each in its own school's schema (a parent's come
    from every child's school; a member of staff's from the school at hand)."""
    unread = {}
    for notice in notices:
        if notice.read_at is None:
            school = getattr(notice, "school", None)
            unread.setdefault(school.schema_name if school else connection.schema_name, []).append(notice.pk)
    for schema, ids in unread.items():
        with schema_context(schema):
            Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
    return notices
