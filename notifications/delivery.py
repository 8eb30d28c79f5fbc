"""E-mail delivery from the outbox, in the school whose schema is active."""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationPreference
from sms import services as sms
from tenants.models import School

from .models import Notification

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 6  # over about two hours (backoff)
FAILED = "failed"
BY_SMS = "by SMS"  # no e-mail address: the notice went by SMS instead
# A notice whose e-mail is still to go: not sent, and not skipped for a reason.
EMAIL_WAITING = Q(email_sent_at__isnull=True, email_skipped="")


def backoff(attempts):
    """How long an e-mail waits after its `attempts`-th failure: 4 min, doubling, at most 6 h."""
    return min(timedelta(minutes=2) * 2 ** min(attempts, 8), timedelta(hours=6))


def refused_for_good(error):
    """The relay refused every recipient with a permanent (5xx) answer: trying again cannot help."""
    return isinstance(error, SMTPRecipientsRefused) and all(code >= 500 for code, _ in error.recipients.values())


def wants_sms(notice, preference):
    """Absences go by SMS to a person with a phone and no e-mail unless they said no; marks only
    if they asked (each SMS is paid for, from the school's monthly limit)."""
    if not (notice.recipient.phone and sms.enabled()) or (preference and not preference.sms):
        return False
    if notice.kind == Notification.Kind.ABSENCE:
        return True
    return notice.kind in (Notification.Kind.MARK, Notification.Kind.FINAL) and bool(
        preference and preference.sms_marks
    )


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
            # Those waiting out a failure are not in the batch: a bad address cannot fill it.
            .filter(Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now))
            .select_related("recipient")
            .order_by("created_at")[:limit]
        )
        preferences = {
            p.user_id: p for p in NotificationPreference.objects.filter(user__in=[n.recipient_id for n in batch])
        }
        local = timezone.localtime(now).time()
        claimed, school = [], None
        for notice in batch:
            preference = preferences.get(notice.recipient_id)
            if not notice.recipient.email and wants_sms(notice, preference):
                if preference and preference.is_quiet(local):
                    continue
                school = school or School.objects.get(schema_name=connection.schema_name)
                sms.send_notice(notice.recipient.phone, _("Дневник: %(text)s") % {"text": notice.text}, school=school)
                notice.email_skipped = BY_SMS
            elif not notice.recipient.email:
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
            send_mail(
                _("Электронный дневник: ") + notice.get_kind_display(), notice.text, None, [notice.recipient.email]
            )
        except Exception as error:
            attempts = notice.attempts + 1
            given_up = attempts >= MAX_ATTEMPTS or refused_for_good(error)
            Notification.objects.filter(pk=notice.pk).update(
                email_claimed_at=None,
                attempts=attempts,
                last_error=str(error)[:500],
                email_retry_at=None if given_up else now + backoff(attempts),
                email_skipped=FAILED if given_up else "",
            )
            continue
        Notification.objects.filter(pk=notice.pk, email_sent_at__isnull=True).update(
            email_sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        sent += 1
    return sent
