"""The e-mail outbox against a real SMTP relay on this machine (aiosmtpd): an address the relay
refuses for good is given up at once, one it defers waits longer each time and is given up after
a few tries, neither holds up the rest of the school's mail, and the school's admin sees what
could not be delivered."""

from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tenants.utils import schema_context

from notifications.delivery import FAILED, MAX_ATTEMPTS, backoff, deliver_pending
from notifications.models import Notification
from notifications.services import notify

from .conftest import free_port


class Relay:
    """Takes mail for everyone but `refused` (550: no such mailbox) and `deferred` (451: later)."""

    def __init__(self):
        self.refused, self.deferred, self.received = set(), set(), []
        relay = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):
                if address in relay.refused:
                    return f"550 5.1.1 <{address}>: mailbox unavailable"
                if address in relay.deferred:
                    return f"451 4.3.0 <{address}>: try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                relay.received.extend(envelope.rcpt_tos)
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())


@pytest.fixture
def relay(settings):
    relay = Relay()
    relay.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.controller.port
    yield relay
    relay.controller.stop()


def test_an_address_refused_for_good_is_given_up_at_once_and_the_admin_sees_it(world, enter, relay):
    a = world.a
    relay.refused.add(world.parent.email)
    with schema_context(a.school.schema_name):
        notify([world.parent.pk, world.other_parent.pk], "news", "Родительское собрание в четверг")
        assert deliver_pending() == 1
        failed = Notification.objects.get(recipient=world.parent)
        assert failed.email_skipped == FAILED and failed.attempts == 1 and "550" in failed.last_error
        assert deliver_pending() == 0  # never tried again
    assert relay.received == [world.other_parent.email]
    page = enter(a.admin, a.host).get("/").content.decode()
    assert "Письма, которые не удалось доставить" in page and world.parent.email in page
    assert "Родительское собрание" not in page  # who and why, not what the notice said
    # Not another school's admin, nor a teacher.
    assert world.parent.email not in enter(world.b.admin, world.b.host).get("/").content.decode()
    assert "не удалось доставить" not in enter(a.teacher, a.host).get("/").content.decode()


def test_a_deferred_address_waits_longer_each_time_then_is_given_up(world, relay):
    a = world.a
    relay.deferred.add(world.parent.email)
    with schema_context(a.school.schema_name):
        notify([world.parent.pk], "news", "Экскурсия в музей")
        notice = Notification.objects.get(recipient=world.parent)
        now = timezone.now()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert deliver_pending(now=now) == 0
            notice.refresh_from_db()
            assert notice.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert notice.email_retry_at == now + backoff(attempt) and notice.email_skipped == ""
                assert deliver_pending(now=now + backoff(attempt) - timedelta(seconds=1)) == 0
                notice.refresh_from_db()
                assert notice.attempts == attempt  # not tried before its time
                now += backoff(attempt)
        assert notice.email_skipped == FAILED and notice.email_retry_at is None
    assert backoff(1) < backoff(2) < backoff(3) and backoff(40) == timedelta(hours=6)


def test_addresses_that_fail_cannot_starve_the_rest_of_the_schools_mail(world, relay):
    """Before: failed rows went back into every batch, oldest first, so enough of them stopped a
    school's mail."""
    a = world.a
    relay.deferred.add(world.parent.email)
    with schema_context(a.school.schema_name):
        for n in range(3):
            notify([world.parent.pk], "news", f"Объявление {n}")
        deliver_pending(limit=3)
        with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=True):
            notify([world.other_parent.pk], "news", "Новое объявление")
            assert deliver_pending(limit=3) == 1
    assert relay.received == [world.other_parent.email]
