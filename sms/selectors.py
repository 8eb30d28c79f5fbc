from django.db.models import Count, Q
from django.utils import timezone

from .models import TextMessage

# What a school pays for: notices taken by the gateway or still on their way (not those skipped).
COUNTED = Q(purpose=TextMessage.Purpose.NOTICE, skipped="")


def month_start(moment=None):
    return timezone.localtime(moment).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def sent_this_month(school):
    return TextMessage.objects.filter(COUNTED, school=school, created_at__gte=month_start()).count()


def used_by_schools(first_day, next_first_day):
    """{school id: (counted, skipped over the limit)} for the notices of a month's days."""
    rows = (
        TextMessage.objects.filter(
            purpose=TextMessage.Purpose.NOTICE, created_at__date__gte=first_day, created_at__date__lt=next_first_day
        )
        .values("school_id")
        .annotate(counted=Count("pk", filter=Q(skipped="")), over=Count("pk", filter=~Q(skipped="")))
    )
    return {row["school_id"]: (row["counted"], row["over"]) for row in rows}


def undelivered_notices(school, limit=50):
    """The school's SMS notices the gateway refused or never took, newest first: for the school's
    admin to put the phone right (the notice itself is on the portal)."""
    return list(
        TextMessage.objects.filter(school=school, purpose=TextMessage.Purpose.NOTICE, skipped__in=["refused", "failed"])
        .only("phone", "created_at", "attempts", "last_error", "skipped")
        .order_by("-created_at")[:limit]
    )
