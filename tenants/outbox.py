"""Which schools have notices waiting, so that the minute's sweep visits those, not every school.

A school's row in public carries `outbox_at`. The transaction that writes notices sets it when
it is unset or older than MARK_EVERY (so the row is not a lock every mark waits on: between
those moments the UPDATE matches nothing and takes no lock). The sweep clears it once the school
has nothing waiting and no transaction still running can have relied on an older mark."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from .models import School

MARK_EVERY = timedelta(seconds=30)
# Longer than any transaction that writes notices runs (a request is cut at 30 s; tasks run longer).
LONGEST_WRITE = timedelta(minutes=10)


def mark():
    """In the caller's transaction, in the school's schema: this school has notices waiting."""
    if connection.schema_name == get_public_schema_name():
        return
    now = timezone.now()
    # In SQL: the ORM's building of this UPDATE cost more than running it (bench/outbox_mark.py).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {School._meta.db_table} SET outbox_at = %s "
            "WHERE schema_name = %s AND (outbox_at IS NULL OR outbox_at < %s)",
            [now, connection.schema_name, now - MARK_EVERY],
        )


def waiting():
    """The working schools marked as having notices waiting."""
    return School.objects.working().filter(outbox_at__isnull=False)


def clear(started):
    """After a delivery begun at `started` left nothing waiting in this school. A transaction
    still running found the mark at most MARK_EVERY old when it wrote, so a mark younger than
    LONGEST_WRITE + MARK_EVERY stays (and the next sweep comes back)."""
    School.objects.filter(
        schema_name=connection.schema_name, outbox_at__lt=started - LONGEST_WRITE - MARK_EVERY
    ).update(outbox_at=None)
