"""The diary reads the journal; what it owns is the record of who looked at a pupil's data."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone


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
