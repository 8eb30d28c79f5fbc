from django_tenants.utils import schema_context

from accounts.selectors import parent_schools

from . import push
from .delivery import EMAIL_WAITING, FAILED
from .models import Notification


def notifications_of(user, limit=100):
    """The newest notifications from every school where the person is a parent (services.mark_shown
    makes them read)."""
    notices = []
    for school in parent_schools(user):
        with schema_context(school.schema_name):
            found = list(Notification.objects.filter(recipient=user).select_related("pupil")[:limit])
        for notice in found:
            notice.school = school
        notices += found
    return sorted(notices, key=lambda n: n.created_at, reverse=True)[:limit]


def staff_notices(user, limit=20):
    """Notices to a member of staff at this school (substitutions)."""
    return list(Notification.objects.filter(recipient=user, pupil__isnull=True)[:limit])


def unread_count_sql(user):
    """How many notifications this person has not yet been shown, in the school whose schema is
    active: a scalar SQL subquery and its parameters, for the menu's statement that counts
    messages too (diary.selectors.unread_counts)."""
    return f"(SELECT count(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL)", [
        user.pk
    ]


def waiting():
    """Notices of this school still to go: by e-mail, and by push where push is set up."""
    return Notification.objects.filter(EMAIL_WAITING | push.PUSH_WAITING if push.enabled() else EMAIL_WAITING)


def undelivered(limit=50):
    """E-mails of this school the relay would not take after every attempt, newest first: for
    the school's admin to put the address right (who and why, not what the notice said)."""
    return list(
        Notification.objects.filter(email_skipped=FAILED)
        .select_related("recipient")
        .only("created_at", "kind", "attempts", "last_error", "recipient__last_name", "recipient__first_name",
              "recipient__middle_name", "recipient__email")
        .order_by("-created_at")[:limit]
    )  # fmt: skip
