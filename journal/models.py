"""A school's own records. Every table here lives in the school's schema; the only
public tables referenced are accounts.User (and nothing else: see tests/test_layout.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SchoolClass(models.Model):
    """A class: grade level and letter (5А). `class` is a Python keyword, hence the name."""

    grade = models.PositiveSmallIntegerField("параллель")
    letter = models.CharField("литера", max_length=3)
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "letter"], name="one_class_per_name"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="grade_1_to_11"),
        ]

    def __str__(self):
        return f"{self.grade}{self.letter}"


class PupilQuerySet(models.QuerySet):
    def enrolled(self):
        return self.filter(withdrawn_on__isnull=True)


class Pupil(models.Model):
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="pupils")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    enrolled_on = models.DateField("зачислен")
    enrollment_order = models.CharField("приказ о зачислении", max_length=50)
    withdrawn_on = models.DateField("выбыл", null=True, blank=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "middle_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


class Guardian(models.Model):
    """A parent's link to a pupil. Pupil data is shown to the parent only once consent is recorded."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="guardians")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "user"], condition=Q(ended_at__isnull=True), name="one_link")
        ]

    @property
    def has_consent(self):
        return self.consent_at is not None
