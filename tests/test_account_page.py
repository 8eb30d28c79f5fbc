"""A parent's own page: a new e-mail only after the code sent there is typed back (the old address
is told), and signing out everywhere else."""

import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.tasks import tell_person
from audit.models import AuditEntry
from sms.delivery import send_waiting

from .conftest import PASSWORD


@pytest.fixture
def letters(monkeypatch, django_capture_on_commit_callbacks):
    """The worker's part done here: the task runs as queued, after the commit."""
    monkeypatch.setattr(tell_person, "apply_async", lambda args, kwargs, **kw: tell_person(*args, **kwargs))

    def send(browser, form):
        with django_capture_on_commit_callbacks(execute=True):
            return browser.post("/account/", form, follow=True)

    return send


def test_a_parent_changes_the_e_mail_after_confirming_the_code_and_the_old_address_is_told(world, enter, letters):
    browser = enter(world.parent)
    page = browser.get("/account/").content.decode()
    assert "Родителева Мария" in page and "parent@family.test" in page
    asked = letters(browser, {"action": "email", "email": "Maria.New@Family.test"}).content.decode()
    assert "Код отправлен на maria.new@family.test" in asked
    (letter,) = mail.outbox
    assert letter.to == ["maria.new@family.test"]
    code = re.search(r"\b(\d{6})\b", letter.body).group(1)
    wrong = letters(browser, {"action": "code", "code": "000000" if code != "000000" else "111111"})
    assert "Код не подошёл" in wrong.content.decode()
    assert User.objects.get(pk=world.parent.pk).email == "parent@family.test"  # nothing half-changed
    done = letters(browser, {"action": "code", "code": code}).content.decode()
    assert "E-mail изменён" in done
    assert User.objects.get(pk=world.parent.pk).email == "maria.new@family.test"
    assert mail.outbox[-1].to == ["parent@family.test"] and "изменён" in mail.outbox[-1].subject
    entry = AuditEntry.objects.get(action="user.email_changed", target_id=world.parent.pk)
    assert entry.old == {"email": "parent@family.test"} and entry.new == {"email": "maria.new@family.test"}
    assert enter().post("/login/", {"identifier": "maria.new@family.test", "password": PASSWORD}).status_code == 302


def test_a_code_runs_out_and_an_address_of_another_account_is_refused(world, enter, letters):
    browser = enter(world.parent)
    letters(browser, {"action": "email", "email": "parent@other-family.test"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    taken = letters(browser, {"action": "code", "code": code}).content.decode()
    assert "уже используется другой учётной записью" in taken
    letters(browser, {"action": "email", "email": "fresh@family.test"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    with time_machine.travel(timezone.localtime() + timezone.timedelta(minutes=16), tick=True):
        late = letters(browser, {"action": "code", "code": code}).content.decode()
    assert "Код устарел" in late
    bad = letters(browser, {"action": "email", "email": "not-an-address"}).content.decode()
    assert "Введите e-mail полностью" in bad
    assert User.objects.get(pk=world.parent.pk).email == "parent@family.test"


def test_signing_out_everywhere_else_ends_the_other_sessions_only(world, enter):
    phone, computer = enter(world.a.teacher, world.a.host), enter(world.a.teacher, world.a.host)
    assert phone.get("/timetable/").status_code == 200
    computer.post("/account/", {"action": "elsewhere"})
    assert computer.get("/timetable/").status_code == 200
    assert phone.get("/timetable/").status_code == 302


def test_a_teacher_sees_the_devices_that_get_notices_and_turns_one_off(world, enter):
    from accounts.models import PushSubscription

    a = world.a
    device = PushSubscription.objects.create(
        user=a.teacher, endpoint="https://fcm.googleapis.com/fcm/send/teacher-phone", p256dh="k", auth="a"
    )
    teacher = enter(a.teacher, a.host)
    assert "fcm.googleapis.com" in teacher.get("/account/").content.decode()
    # Another person's device is not theirs to turn off: the same 404 as one that is not there.
    assert (
        enter(a.class_teacher, a.host).post("/account/", {"action": "device", "device": device.pk}).status_code == 404
    )
    teacher.post("/account/", {"action": "device", "device": device.pk})
    device.refresh_from_db()
    assert device.ended_at is not None


def test_a_parent_changes_the_phone_after_the_code_by_sms_and_the_old_number_is_told(world, enter, sms_gateway):
    browser = enter(world.parent)
    bad = browser.post("/account/", {"action": "phone", "phone": "12345"}, follow=True).content.decode()
    assert "мобильный номер России" in bad
    asked = browser.post("/account/", {"action": "phone", "phone": "8 900 777-66-55"}, follow=True)
    assert "Код отправлен на +79007776655" in asked.content.decode()
    send_waiting()
    ((phone, text),) = sms_gateway.received()
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert phone == "+79007776655"
    wrong = browser.post("/account/", {"action": "code", "code": "000000" if code != "000000" else "1"}, follow=True)
    assert "Код не подошёл: проверьте SMS на новом номере" in wrong.content.decode()
    assert User.objects.get(pk=world.parent.pk).phone == "+79001112233"  # nothing half-changed
    done = browser.post("/account/", {"action": "code", "code": code}, follow=True).content.decode()
    assert "Телефон изменён" in done
    assert User.objects.get(pk=world.parent.pk).phone == "+79007776655"
    send_waiting()
    told, text = sms_gateway.received()[-1]
    assert told == "+79001112233" and "телефон вашей учётной записи изменён" in text
    entry = AuditEntry.objects.get(action="user.phone_changed", target_id=world.parent.pk)
    assert entry.old == {"phone": "+79001112233"} and entry.new == {"phone": "+79007776655"}
    # A number that is someone else's login is refused, said only to whoever has its SMS.
    other = enter(world.other_parent)
    other.post("/account/", {"action": "phone", "phone": "+79007776655"})
    send_waiting()
    code = re.search(r"\b(\d{6})\b", sms_gateway.received()[-1][1]).group(1)
    taken = other.post("/account/", {"action": "code", "code": code}, follow=True).content.decode()
    assert "Этот телефон уже используется" in taken
    assert User.objects.get(pk=world.other_parent.pk).phone is None


def test_a_person_chooses_how_they_are_told_on_their_own_page(world, enter):
    browser = enter(world.a.teacher, world.a.host)  # staff too: a substitution reaches them
    form = {
        "action": "preferences",
        "email": "on",
        "sms": "on",
        "sms_marks": "on",
        "quiet_from": "21:00",
        "quiet_to": "08:00",
    }
    assert "Настройки уведомлений сохранены" in browser.post("/account/", form, follow=True).content.decode()
    preference = world.a.teacher.notification_preference
    assert preference.sms_marks and preference.quiet_to.hour == 8
    only_one = browser.post("/account/", {**form, "quiet_to": ""}, follow=True).content.decode()
    assert "оба времени" in only_one
    preference.refresh_from_db()
    assert preference.quiet_to.hour == 8
