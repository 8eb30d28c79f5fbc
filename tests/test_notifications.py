"""Parents and pupils are told of marks, absences and final marks. The notification is written
with the event (a transactional outbox) and e-mailed once, whatever Redis and the worker do."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import NotificationPreference
from journal import services
from notifications.delivery import deliver_pending
from notifications.models import Notification

from .conftest import year_ends_soon

TODAY = date.today()


def test_a_mark_writes_a_notification_for_each_parent_and_the_pupil_in_the_same_transaction(world, lesson):
    a, cal = world.a, world.calendar_a
    services.add_mark(
        lesson, pupil=a.pupils[0], value="5", work_type=cal.test_work, comment="Молодец", by=a.class_teacher
    )
    notices = Notification.objects.filter(pupil=a.pupils[0], kind="mark")
    assert {n.recipient_id for n in notices} == {world.parent.pk, a.pupil_user.pk}
    assert "Математика — 5 (контрольная работа)" in notices[0].text and "Молодец" in notices[0].text
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.add_mark(lesson, pupil=a.pupils[2], value="3", work_type=cal.answer, by=a.class_teacher)
            raise RuntimeError("the mark is not saved")
    assert not Notification.objects.filter(pupil=a.pupils[2]).exists()  # nor its notification


def test_absences_and_final_marks_are_told_too(world, lesson):
    a, cal = world.a, world.calendar_a
    services.take_attendance(lesson, absent=[a.pupils[2]], by=a.class_teacher)
    absence = Notification.objects.get(pupil=a.pupils[2], kind="absence")
    assert absence.recipient == world.other_parent and "отсутствует на уроке «Математика»" in absence.text
    year_ends_soon(cal)
    services.set_final_mark(
        pupil=a.pupils[2], subject=cal.math, year=cal.year, term=None, value="4", by=a.class_teacher
    )
    assert "за " in Notification.objects.get(pupil=a.pupils[2], kind="final").text


def test_each_email_goes_once_and_preferences_are_kept(world, lesson, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    a, cal = world.a, world.calendar_a
    services.add_mark(lesson, pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
    assert deliver_pending() == 2
    assert deliver_pending() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["parent@family.test", "pupil@school-a.test"]
    NotificationPreference.objects.create(user=world.parent, quiet_from=time(21, 0), quiet_to=time(8, 0))
    NotificationPreference.objects.create(user=a.pupil_user, email=False)
    services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
    night = timezone_at(23)
    assert deliver_pending(now=night) == 0  # the parent's quiet hours; the pupil turned e-mail off
    assert Notification.objects.filter(recipient=a.pupil_user, email_skipped="e-mail off").exists()
    assert deliver_pending(now=night + timedelta(hours=10)) == 1  # 9:00: the parent's e-mail goes
    assert len(mail.outbox) == 3


def timezone_at(hour):
    from django.utils import timezone

    return timezone.make_aware(timezone.datetime.combine(TODAY, time(hour, 0)))


def test_a_worker_killed_mid_send_leaves_a_claim_that_is_taken_again_later(world, lesson, settings):
    from django.utils import timezone

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    a, cal = world.a, world.calendar_a
    services.add_mark(lesson, pupil=a.pupils[0], value="3", work_type=cal.answer, by=a.class_teacher)
    stale = timezone.now() - timedelta(minutes=30)
    Notification.objects.filter(pupil=a.pupils[0]).update(email_claimed_at=stale)  # claimed, never sent
    assert deliver_pending() == 2 and deliver_pending() == 0


def test_the_portal_shows_a_parents_notifications_and_their_preferences(world, lesson, enter):
    a, cal = world.a, world.calendar_a
    services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
    portal = enter(world.parent)
    page = portal.get("/notifications/").content.decode()
    assert "Математика — 5" in page
    assert "Математика — 5" not in enter(world.other_parent).get("/notifications/").content.decode()
    assert "/account/#notices" in page  # how they come is set on the person's own page
    portal.post("/account/", {"action": "preferences", "email": "", "quiet_from": "22:00", "quiet_to": "07:30"})
    preference = NotificationPreference.objects.get(user=world.parent)
    assert preference.email is False and preference.quiet_from == time(22, 0)
    assert preference.sms is False and preference.sms_marks is False  # unticked boxes
    form = {"action": "preferences", "email": "on", "quiet_from": "25:00", "quiet_to": ""}
    bad = portal.post("/account/", form, follow=True)
    assert "Введите правильное время" in bad.content.decode()
    assert NotificationPreference.objects.get(user=world.parent).quiet_from == time(22, 0)  # unchanged


def test_the_minute_sweep_visits_only_the_schools_with_notices_waiting(world, db, monkeypatch):
    """The safety-net sweep follows the work, not the number of schools: a school is marked in
    the transaction that leaves it notices, visited while they wait, and left alone once they
    are out and no transaction still running can have relied on its mark."""
    from django.db import connection
    from django.utils import timezone

    from notifications.selectors import waiting
    from notifications.services import notify
    from notifications.tasks import deliver_notifications, sweep_notifications
    from tenants import outbox
    from tenants.models import School

    a = world.a.school
    School.objects.update(outbox_at=None)
    visited = []
    monkeypatch.setattr(
        deliver_notifications, "apply_async", lambda *args, **kwargs: visited.append(connection.schema_name)
    )
    assert sweep_notifications() == 0 and visited == []  # nothing waiting anywhere: not one task
    with schema_context(a.schema_name):
        notify([world.parent.pk], "news", "Родительское собрание в четверг")
    assert sweep_notifications() == 1 and visited == [a.schema_name]
    with schema_context(a.schema_name):
        deliver_notifications()
        assert not waiting().exists() and mail.outbox
    assert list(outbox.waiting()) == [a]  # a request that wrote relying on this mark may still be running
    long_ago = timezone.now() - outbox.LONGEST_WRITE - outbox.MARK_EVERY - timedelta(seconds=1)
    School.objects.filter(pk=a.pk).update(outbox_at=long_ago)
    with schema_context(a.schema_name):
        notify([world.parent.pk], "news", "Собрание переносится")  # a fresh mark: the old one is renewed
    assert School.objects.get(pk=a.pk).outbox_at > long_ago
    School.objects.filter(pk=a.pk).update(outbox_at=long_ago)
    with schema_context(a.schema_name):
        deliver_notifications()
    assert not outbox.waiting().exists()
    assert sweep_notifications() == 0


def test_a_notice_opens_the_day_it_is_about(world, lesson, enter):
    a, cal = world.a, world.calendar_a
    services.add_mark(lesson, pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
    services.take_attendance(lesson, absent=[a.pupils[0]], by=a.class_teacher)
    portal = enter(world.parent)
    page = portal.get("/notifications/").content.decode()
    link = f"/children/{a.school.slug}/{a.pupils[0].pk}/?week={lesson.date:%Y-%m-%d}#day-{lesson.date:%Y-%m-%d}"
    assert page.count(f'href="{link}"') == 2  # the mark and the absence
    week = portal.get(link.split("#")[0]).content.decode()
    assert f'id="day-{lesson.date:%Y-%m-%d}"' in week and "ответ на уроке, ×1" in week


def test_a_teachers_quick_marks_ask_for_one_delivery_a_second_a_school_due_when_all_are_written(world, monkeypatch):
    from django.db import connection

    from notifications import services
    from notifications.tasks import deliver_notifications

    asked = []
    monkeypatch.setattr(
        deliver_notifications,
        "apply_async",
        lambda *args, **kwargs: asked.append((connection.schema_name, kwargs["countdown"])),
    )
    monkeypatch.setattr(services, "_kicked_at", {})
    clock = iter([100.0, 100.4, 100.5, 100.9, 101.2])
    monkeypatch.setattr(services, "monotonic", lambda: next(clock))
    for school in (world.a.school, world.a.school, world.b.school, world.a.school, world.a.school):
        with schema_context(school.schema_name):
            services.kick_delivery()
    # School A at 100.0 (due at 101.0, after its 100.4 notice) and again at 101.2; school B its own.
    assert asked == [
        (world.a.school.schema_name, 1.0),
        (world.b.school.schema_name, 1.0),
        (world.a.school.schema_name, 1.0),
    ]
