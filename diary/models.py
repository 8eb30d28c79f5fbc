"""The diary reads the journal; what it owns is the conversation between the school and families:
threads and messages, news, parent meetings."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from journal.models import Guardian

# People's ids carry no database constraint into public (db_constraint=False): docs/scaling.md, rule 1.


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

    subject = models.CharField(gettext_lazy("тема"), max_length=200)
    pupil = models.ForeignKey("journal.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school_class = models.ForeignKey(
        "journal.SchoolClass", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at"]


class ThreadMember(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_membership_per_thread")]


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
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
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published_at"]


class ParentMeeting(models.Model):
    """A parent meeting of a class and the parents who came; the others are told they missed it."""

    school_class = models.ForeignKey("journal.SchoolClass", on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField()
    topic = models.CharField(max_length=300)
    attended = models.ManyToManyField(settings.AUTH_USER_MODEL, db_constraint=False, related_name="+", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at"]
