"""Web Push, end to end on this machine: a parent's device subscribes through the API, a mark goes
into the outbox, the worker's delivery posts it to a push service that the test runs here, and
the test decrypts the payload as the device would (RFC 8291, aes128gcm) — once, outside quiet
hours, only to the right family."""

import base64
import json
import os
import threading
from datetime import datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import NotificationPreference, PushSubscription
from audit.models import AuditEntry
from journal import services
from notifications.models import Notification
from notifications.push import push_pending, send

from .test_journal_pages import lesson_of


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    """A push service on this machine: it takes what it is sent, as a browser vendor's would."""

    def __init__(self):
        self.received = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                headers = {k.lower(): v for k, v in self.headers.items()}
                received.append((self.path, headers, self.rfile.read(length)))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def endpoint(self, name):
        return f"http://127.0.0.1:{self.server.server_port}/push/{name}"


class Device:
    """A browser's side of a subscription: its own key pair and auth secret."""

    def __init__(self, service, name):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {
            "endpoint": service.endpoint(name),
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }

    def read(self, body):
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


@pytest.fixture
def push(settings):
    server_key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64(server_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = b64(
        server_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    service = PushService()
    yield service
    service.server.shutdown()


def test_a_mark_reaches_the_parents_phone_encrypted_once_and_nobody_elses(world, enter, push):
    a, cal = world.a, world.calendar_a
    phone, stranger = Device(push, "parent"), Device(push, "stranger")
    for user, device in ((world.parent, phone), (world.other_parent, stranger)):
        response = enter(user).post("/api/v1/push-subscriptions/", device.subscription, content_type="application/json")
        assert response.status_code == 204
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        noon = timezone.make_aware(datetime.combine(lesson.date, time(12, 0)))
        sent = push_pending(now=noon)
        assert sent >= 1
        assert push_pending(now=noon) == 0  # once: nothing is sent twice
    to_phone = [r for r in push.received if r[0].endswith("/parent")]
    assert len(to_phone) == 1 and not [r for r in push.received if r[0].endswith("/stranger")]
    path, headers, body = to_phone[0]
    assert headers["content-encoding"] == "aes128gcm" and headers["authorization"].startswith("vapid t=")
    assert a.pupils[0].first_name.encode() not in body  # the push service reads nothing
    notice = phone.read(body)
    assert notice["body"].startswith(f"{a.pupils[0].first_name}: {cal.math.name} — 5")
    assert notice["title"] == "Электронный дневник: отметка"


def test_push_waits_for_the_end_of_quiet_hours_and_respects_push_off(world, enter, push):
    a, cal = world.a, world.calendar_a
    phone = Device(push, "quiet")
    enter(world.parent).post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")
    NotificationPreference.objects.update_or_create(
        user=world.parent, defaults={"quiet_from": time(21, 0), "quiet_to": time(8, 0), "push": True}
    )
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
        night = timezone.make_aware(datetime.combine(lesson.date, time(23, 30)))
        push_pending(now=night)
        assert not push.received
        push_pending(now=night.replace(hour=9) + timezone.timedelta(days=1))
        assert len(push.received) == 1
        NotificationPreference.objects.filter(user=world.parent).update(push=False)
        services.add_mark(lesson, pupil=a.pupils[0], value="3", work_type=cal.answer, by=a.class_teacher)
        push_pending(now=night.replace(hour=12))
        assert len(push.received) == 1
        assert Notification.objects.filter(recipient=world.parent, push_skipped="push off").exists()


def test_a_device_the_push_service_no_longer_knows_is_ended(world, enter, push, settings):
    phone = Device(push, "gone")
    enter(world.parent).post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")
    device = PushSubscription.objects.get(endpoint=phone.subscription["endpoint"])
    push.server.RequestHandlerClass.do_POST = lambda self: (self.send_response(410), self.end_headers())
    send(device, json.dumps({"title": "x", "body": "y"}))
    device.refresh_from_db()
    assert device.ended_at is not None


def test_a_subscription_with_bad_keys_is_refused_in_the_error_shape(world, enter):
    bad = {"endpoint": "http://example.org/push/1", "keys": {"p256dh": "abc", "auth": "def"}}
    response = enter(world.parent).post("/api/v1/push-subscriptions/", bad, content_type="application/json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) >= {"endpoint"}
    assert not PushSubscription.objects.filter(user=world.parent).exists()


INSIDE = [
    "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
    "https://10.0.0.7/push/1",
    "https://kubernetes.default.svc/api",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://2130706433/push",  # 127.0.0.1 as a number
    "https://0x7f000001/push",
    "http://localhost:6379/",  # Redis
    "http://127.0.0.1:15000/quitquitquit",  # the mesh sidecar
    "https://fcm.googleapis.com@10.0.0.7/push",
    "https://fcm.googleapis.com.evil.test/push",
    "https://fcm.googleapis.com:6379/push",
    "http://fcm.googleapis.com/fcm/send/x",
]


@pytest.mark.parametrize("endpoint", INSIDE)
def test_a_push_endpoint_anywhere_but_a_browsers_push_service_is_refused(world, enter, push, settings, endpoint):
    settings.PUSH_LOOPBACK_FOR_TESTS = False  # as in production
    subscription = {**Device(push, "x").subscription, "endpoint": endpoint}
    response = enter(world.parent).post("/api/v1/push-subscriptions/", subscription, content_type="application/json")
    assert response.status_code == 400 and "endpoint" in response.json()["error"]["fields"]
    assert not PushSubscription.objects.filter(user=world.parent).exists()


def test_the_browsers_push_services_are_taken(world, enter, settings):
    settings.PUSH_LOOPBACK_FOR_TESTS = False
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
        "https://web.push.apple.com/QAbc",
    ):
        assert PushSubscription.service_of(endpoint), endpoint


def test_a_push_service_whose_name_resolves_inside_gets_nothing(world, settings, monkeypatch):
    """At send time the name must lead to public addresses only (a resolver pointed inside)."""
    settings.PUSH_LOOPBACK_FOR_TESTS = False
    device = PushSubscription(user=world.parent, endpoint="https://fcm.googleapis.com/fcm/send/abc")
    for inside in ("169.254.169.254", "10.1.2.3", "127.0.0.1", "fd00::1"):
        monkeypatch.setattr("socket.getaddrinfo", lambda *a, ip=inside, **k: [(0, 0, 0, "", (ip, 443))])
        assert not device.reaches_only_public_addresses(), inside
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: [(0, 0, 0, "", ("142.250.74.10", 443))])
    assert device.reaches_only_public_addresses()


def test_an_endpoint_moves_to_another_person_only_with_the_devices_own_keys(world, enter, push):
    phone = Device(push, "shared")
    assert enter(world.parent).post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json").status_code == 204  # fmt: skip
    thief = {**phone.subscription, "keys": Device(push, "other").subscription["keys"]}
    refused = enter(world.other_parent).post("/api/v1/push-subscriptions/", thief, content_type="application/json")
    assert refused.status_code == 400 and "keys" in refused.json()["error"]["fields"]
    assert PushSubscription.objects.get(endpoint=phone.subscription["endpoint"]).user == world.parent
    # The same browser, signed in as the other parent now: the keys match, the device moves.
    moved = enter(world.other_parent).post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")  # fmt: skip
    assert moved.status_code == 204
    assert PushSubscription.objects.get(endpoint=phone.subscription["endpoint"]).user == world.other_parent


def test_a_person_keeps_a_few_devices_the_oldest_ending_first(world, enter, push):
    browser = enter(world.parent)
    devices = [Device(push, f"d{n}") for n in range(PushSubscription.PER_PERSON + 2)]
    for device in devices:
        browser.post("/api/v1/push-subscriptions/", device.subscription, content_type="application/json")
    live = PushSubscription.objects.filter(user=world.parent, ended_at__isnull=True)
    assert live.count() == PushSubscription.PER_PERSON
    assert set(live.values_list("endpoint", flat=True)) == {d.subscription["endpoint"] for d in devices[2:]}


def test_notices_stop_reaching_a_device_when_its_person_signs_out_or_the_session_ends(world, enter, push):
    from django.contrib.sessions.models import Session

    a, cal = world.a, world.calendar_a
    phone, tablet = Device(push, "phone"), Device(push, "tablet")
    on_phone, on_tablet = enter(world.parent), enter(world.parent)
    on_phone.post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")
    on_tablet.post("/api/v1/push-subscriptions/", tablet.subscription, content_type="application/json")
    assert on_phone.post("/logout/").status_code == 302
    assert PushSubscription.objects.get(endpoint=phone.subscription["endpoint"]).ended_at is not None
    Session.objects.filter(session_key=on_tablet.cookies["sessionid"].value).update(expire_date=timezone.now())
    lesson = lesson_of(a, cal)
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        push_pending(now=timezone.now() + timezone.timedelta(seconds=1))
        assert Notification.objects.filter(recipient=world.parent, push_skipped="no device").exists()
    assert not push.received


def test_a_parent_sees_the_devices_that_get_notices_and_ends_one(world, enter, push):
    phone = Device(push, "lost-phone")
    browser = enter(world.parent)
    browser.post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")
    device = PushSubscription.objects.get(endpoint=phone.subscription["endpoint"])
    page = browser.get("/account/").content.decode()
    assert "Устройства, которые получают уведомления" in page and "127.0.0.1" in page
    # Not the other family's to end: the same 404 as a device that is not there.
    for other in (device.pk, 999999):
        refused = enter(world.other_parent).post("/account/", {"action": "device", "device": other})
        assert refused.status_code == 404
    response = browser.post("/account/", {"action": "device", "device": device.pk}, follow=True)
    assert "больше не получает уведомления" in response.content.decode()
    device.refresh_from_db()
    assert device.ended_at is not None
    assert AuditEntry.objects.filter(action="push.unsubscribed", target_id=device.pk).exists()


def test_push_goes_in_a_task_of_its_own_so_a_slow_push_service_never_holds_the_mail(world, enter, push, monkeypatch):
    from django.core import mail

    from notifications.tasks import deliver_notifications, push_notifications

    a, cal = world.a, world.calendar_a
    phone = Device(push, "own-task")
    enter(world.parent).post("/api/v1/push-subscriptions/", phone.subscription, content_type="application/json")
    queued = []
    monkeypatch.setattr(push_notifications, "apply_async", lambda *args, **kwargs: queued.append(kwargs))
    with schema_context(a.school.schema_name):
        services.add_mark(lesson_of(a, cal), pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
        deliver_notifications()
        assert mail.outbox and not push.received and len(queued) == 1
        assert push_notifications() == 1
    assert len(push.received) == 1
