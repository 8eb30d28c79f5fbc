"""The diary reads the journal; what it owns is the record of who looked at a pupil's data."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from journal.models import Guardian


class DataView(models.Model):
    """One page or API answer that showed pupils' data: who, when, from where, whose (152-ФЗ)."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    page = models.CharField(max_length=200)
    pupil_ids = ArrayField(models.BigIntegerField())

    class Meta:
        ordering = ["-at"]
        indexes = [GinIndex(fields=["pupil_ids"])]


class Notification(models.Model):
    """A message to a parent or a pupil. It is written in the same transaction as the mark or
    absence it tells of (the outbox): if the event is saved, so is its notification, whatever
    Redis or the worker are doing. The portal shows it at once; e-mail goes out from here."""

    class Kind(models.TextChoices):
        MARK = "mark", "отметка"
        ABSENCE = "absence", "пропуск"
        FINAL = "final", "итоговая отметка"
        DIGEST = "digest", "сводка за неделю"
        REMARK = "remark", "замечание"
        NEWS = "news", "объявление"
        MEETING = "meeting", "родительское собрание"
        SUBSTITUTION = "substitution", "замена урока"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Empty for a notice to staff (a substitution), which is about no pupil.
    pupil = models.ForeignKey("journal.Pupil", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_skipped = models.CharField(max_length=50, blank=True)  # why no e-mail goes (no address, opted out)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email_sent_at", "email_skipped"], name="outbox_pending")]


class ThreadQuerySet(models.QuerySet):
    def open_to_family(self, user):
        """Threads a parent may still open: about a child they are linked to now, or to the class
        of such a child. An ended link or a withdrawn child closes them."""
        links = Guardian.objects.live().filter(user=user)
        return self.filter(
            models.Q(pupil__in=links.values("pupil"))
            | models.Q(pupil__isnull=True, school_class__in=links.values("pupil__school_class"))
        )


class Thread(models.Model):
    """A conversation between school staff and parents: about one pupil, or the class teacher's
    letter to all parents of a class."""

    subject = models.CharField("тема", max_length=200)
    pupil = models.ForeignKey("journal.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school_class = models.ForeignKey(
        "journal.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at"]


class ThreadMember(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_membership_per_thread")]


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attachment = models.FileField(upload_to="messages/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class News(models.Model):
    """An announcement to the whole school, or to one class (school_class set)."""

    school_class = models.ForeignKey(
        "journal.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published_at"]


class ParentMeeting(models.Model):
    """A parent meeting of a class and the parents who came; the others are told they missed it."""

    school_class = models.ForeignKey("journal.SchoolClass", on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField()
    topic = models.CharField(max_length=300)
    attended = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at"]
