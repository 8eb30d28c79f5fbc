"""E-mail delivery from the outbox, in the school whose schema is active."""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import NotificationPreference

from .models import Notification

CLAIM_TIMEOUT = timedelta(minutes=10)
# A notice whose e-mail is still to go: not sent, and not skipped for a reason.
EMAIL_WAITING = Q(email_sent_at__isnull=True, email_skipped="")


def deliver_pending(limit=500, now=None):
    """Sends the e-mails of unsent notifications, each once: a row is claimed (and the claim
    committed) before its e-mail goes, and marked sent after. A claim older than
    CLAIM_TIMEOUT (a worker killed mid-send) is taken again."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(EMAIL_WAITING)
            .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - CLAIM_TIMEOUT))
            .select_related("recipient")
            .order_by("created_at")[:limit]
        )
        preferences = {
            p.user_id: p for p in NotificationPreference.objects.filter(user__in=[n.recipient_id for n in batch])
        }
        local = timezone.localtime(now).time()
        claimed = []
        for notice in batch:
            preference = preferences.get(notice.recipient_id)
            if not notice.recipient.email:
                notice.email_skipped = "no e-mail"
            elif preference and not preference.email:
                notice.email_skipped = "e-mail off"
            elif preference and preference.is_quiet(local):
                continue  # left for the first sweep after the quiet hours
            else:
                notice.email_claimed_at = now
                claimed.append(notice)
            notice.save(update_fields=["email_skipped", "email_claimed_at"])
    sent = 0
    for notice in claimed:
        try:
            send_mail("Электронный дневник: " + notice.get_kind_display(), notice.text, None, [notice.recipient.email])
        except Exception as error:
            Notification.objects.filter(pk=notice.pk).update(
                email_claimed_at=None, attempts=F("attempts") + 1, last_error=str(error)[:500]
            )
            continue
        Notification.objects.filter(pk=notice.pk, email_sent_at__isnull=True).update(
            email_sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        sent += 1
    return sent
