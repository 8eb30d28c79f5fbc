"""The SMS outbox, in public: codes and notices about a person's account (no school) and urgent notices to
parents who gave only a phone (the school that sent them, which pays and has a monthly limit)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class TextMessage(models.Model):
    """One SMS to one phone. Written in the caller's transaction and sent after it commits, by a
    worker (sms.tasks); if the gateway or the worker is down it waits here and goes later."""

    class Purpose(models.TextChoices):
        ACCOUNT = "account", gettext_lazy("учётная запись (коды, изменения)")
        NOTICE = "notice", gettext_lazy("уведомление")

    phone = models.CharField(max_length=12)
    text = models.CharField(max_length=480)  # three SMS parts in Cyrillic at most
    purpose = models.CharField(max_length=7, choices=Purpose.choices)
    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Codes are worth nothing after their few minutes: not sent by then, they are not sent at all.
    expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped = models.CharField(max_length=50, blank=True)  # why it does not go (the school's limit, refused)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    gateway_ref = models.CharField(max_length=50, blank=True)  # the gateway's id of the message
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True, skipped=""), name="sms_waiting"
            ),
            models.Index(fields=["school", "created_at"], name="sms_school_month"),
        ]

    @property
    def masked_phone(self):
        return f"{self.phone[:5]}***{self.phone[-4:]}"
