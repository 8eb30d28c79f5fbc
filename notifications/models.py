"""A notification and its outbox. The app knows people and, by reference only, the pupil a
notice is about; who is told about a pupil is the journal's answer (journal.selectors.family_of).
How a person wants to be told (NotificationPreference) is theirs across schools, so it lives
with the account in public."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

# People's ids carry no database constraint into public (db_constraint=False): docs/scaling.md, rule 1.


class Notification(models.Model):
    """A message to a parent, a pupil or a member of staff. It is written in the same transaction
    as the mark or absence it tells of (the outbox): if the event is saved, so is its
    notification, whatever Redis or the worker are doing. The portal shows it at once; e-mail
    goes out from here."""

    class Kind(models.TextChoices):
        MARK = "mark", gettext_lazy("отметка")
        ABSENCE = "absence", gettext_lazy("пропуск")
        FINAL = "final", gettext_lazy("итоговая отметка")
        DIGEST = "digest", gettext_lazy("сводка за неделю")
        REMARK = "remark", gettext_lazy("замечание")
        NEWS = "news", gettext_lazy("объявление")
        MEETING = "meeting", gettext_lazy("родительское собрание")
        SUBSTITUTION = "substitution", gettext_lazy("замена урока")
        MESSAGE = "message", gettext_lazy("сообщение")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    # Empty for a notice to staff (a substitution), which is about no pupil.
    pupil = models.ForeignKey("journal.Pupil", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    # The school day the notice is about (a mark's or an absence's lesson): the notice opens it.
    day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_skipped = models.CharField(max_length=50, blank=True)  # why no e-mail goes (no address, opted out)
    attempts = models.PositiveSmallIntegerField(default=0)
    # After a failed attempt the e-mail waits, longer each time (notifications.delivery.backoff);
    # after MAX_ATTEMPTS, or a permanent refusal, it is skipped as "failed" and the admin sees it.
    email_retry_at = models.DateTimeField(null=True, blank=True)
    # The same outbox for Web Push: claimed, then sent once to each of the person's devices.
    push_claimed_at = models.DateTimeField(null=True, blank=True)
    push_sent_at = models.DateTimeField(null=True, blank=True)
    push_skipped = models.CharField(max_length=50, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "diary_notification"  # the table the diary made; moved without SQL
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email_sent_at", "email_skipped"], name="outbox_pending")]
