"""«Забыли пароль?» as a parent and a deputy meet it: a link by e-mail that works once within the
hour, the same answer for a login that is nobody's, and the second factor still asked after."""

import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.tasks import send_password_link
from audit.models import AuditEntry
from sms.delivery import send_waiting

from .conftest import PASSWORD
from .test_two_factor import code_now

NEW = "Новый-пароль-2026"


@pytest.fixture
def letters(monkeypatch, django_capture_on_commit_callbacks):
    """The worker's part done here: the task runs as it would be queued, after the commit."""
    monkeypatch.setattr(send_password_link, "apply_async", lambda args, **kw: send_password_link(*args))

    def ask(browser, identifier):
        with django_capture_on_commit_callbacks(execute=True):
            return browser.post("/login/forgot/", {"identifier": identifier})

    return ask


def link_in(letter):
    return re.search(r"http://[^/\s]+(/login/reset/[^/\s]+/[^/\s]+/)", letter.body).group(1)


def test_a_parent_sets_a_new_password_from_the_link_and_the_old_sessions_end(world, enter, letters):
    signed_in_before = enter(world.parent)
    assert signed_in_before.get("/notifications/").status_code == 200
    browser = enter()
    assert "Забыли пароль?" in browser.get("/login/").content.decode()
    answer = letters(browser, "parent@family.test").content.decode()
    assert "Если такой логин есть" in answer
    (letter,) = mail.outbox
    assert letter.to == ["parent@family.test"] and "действует час" in letter.body
    link = link_in(letter)
    assert browser.get(link).status_code == 200
    short = browser.post(link, {"new_password1": "123", "new_password2": "123"})
    assert short.status_code == 200 and "errorlist" in short.content.decode()  # nothing changed
    done = browser.post(link, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Пароль изменён" in done.content.decode()
    assert enter().post("/login/", {"identifier": "parent@family.test", "password": NEW}).status_code == 302
    assert enter().post("/login/", {"identifier": "parent@family.test", "password": PASSWORD}).status_code == 200
    assert signed_in_before.get("/notifications/").status_code == 302  # the old password's session is over
    used = browser.get(link)
    assert used.status_code == 404 and "уже использована" in used.content.decode()
    assert AuditEntry.objects.filter(action="user.password_reset", target_id=world.parent.pk).exists()


def test_the_answer_is_the_same_for_a_login_that_is_nobodys(world, enter, letters):
    def answer(identifier):
        text = letters(enter(), identifier).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert answer("nobody@nowhere.test") == answer("parent@family.test")
    assert answer("+7 999 000-00-00") == answer("parent@family.test")
    assert [m.to for m in mail.outbox] == [["parent@family.test"]] * 2


def test_a_login_is_sent_three_links_an_hour_however_often_they_are_asked_for(world, enter, letters):
    for _ in range(5):
        letters(enter(REMOTE_ADDR="10.7.0.1"), "parent@other-family.test")
    assert len(mail.outbox) == 3


def test_a_link_runs_out_after_an_hour(world, enter, letters):
    letters(enter(), "parent@family.test")
    link = link_in(mail.outbox[0])
    # In Moscow time, as the run's clock is: Django's token generator reads the naive local time.
    with time_machine.travel(timezone.localtime() + timezone.timedelta(hours=1, minutes=1), tick=True):
        late = enter().get(link)
    assert late.status_code == 404 and "Запросите новую" in late.content.decode()
    for broken in ("/login/reset/MQ/bad-token/", f"/login/reset/{'9' * 30}/x/", "/login/reset/%%%/x/"):
        assert enter().get(broken).status_code == 404


def test_a_deputy_sets_a_new_password_and_still_gives_the_second_factor(world, enter, letters):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    a = world.a
    letters(enter(host=a.host), "deputy@school-a.test")
    link = link_in(mail.outbox[0])
    enter(host=a.host).post(link, {"new_password1": NEW, "new_password2": NEW})
    browser = enter(host=a.host)
    assert browser.post("/login/", {"identifier": "deputy@school-a.test", "password": NEW}).status_code == 302
    assert browser.get("/classes/").url.startswith("/account/2fa/")
    device = TOTPDevice.objects.get(user=a.deputy, confirmed=True)
    browser.post("/account/2fa/", {"code": code_now(device)})
    assert browser.get("/classes/").status_code == 200


# --- A phone login: a code by SMS -------------------------------------------------------------


def sms_code(gateway):
    send_waiting()
    return re.search(r"\b(\d{6})\b", gateway.received()[-1][1]).group(1)


def test_a_parent_with_a_phone_login_sets_a_new_password_with_the_code_from_the_sms(
    world, enter, phone_parent, sms_gateway
):
    signed_in_before = enter(phone_parent)
    assert signed_in_before.get("/notifications/").status_code == 200
    browser = enter()
    answer = browser.post("/login/forgot/", {"identifier": "8 (900) 555-44-33"}).content.decode()
    assert "Мне пришёл код в SMS" in answer
    code = sms_code(sms_gateway)
    assert sms_gateway.received()[0][0] == "+79005554433"
    other = "000000" if code != "000000" else "111111"
    wrong = browser.post("/login/code/", {"code": other, "password": NEW, "password_again": NEW})
    assert "Код не подошёл: проверьте SMS" in wrong.content.decode()
    weak = browser.post("/login/code/", {"code": code, "password": "123", "password_again": "123"})
    assert "errorlist" in weak.content.decode()  # the password refused; the code still stands
    done = browser.post("/login/code/", {"code": code, "password": NEW, "password_again": NEW}, follow=True)
    assert "Пароль изменён" in done.content.decode()
    assert enter().post("/login/", {"identifier": "+79005554433", "password": NEW}).status_code == 302
    assert enter().post("/login/", {"identifier": "+79005554433", "password": PASSWORD}).status_code == 200
    assert signed_in_before.get("/notifications/").status_code == 302  # the old password's session is over
    again = browser.post("/login/code/", {"code": code, "password": NEW, "password_again": NEW})
    assert "Код устарел или не запрашивался" in again.content.decode()  # one use
    entry = AuditEntry.objects.get(action="user.password_reset_requested", target_id=phone_parent.pk)
    assert entry.new == {"channel": "sms"}


def test_a_code_for_a_phone_that_is_nobodys_never_works_and_five_wrong_codes_end_it(world, enter, sms_gateway):
    browser = enter()
    browser.post("/login/forgot/", {"identifier": "+7 999 000-00-00"})
    send_waiting()
    assert sms_gateway.received() == []
    form = {"password": NEW, "password_again": NEW}
    for code in ("111111", "222222", "333333", "444444"):
        assert "Код не подошёл: проверьте SMS" in browser.post("/login/code/", {"code": code, **form}).content.decode()
    assert "пять раз" in browser.post("/login/code/", {"code": "555555", **form}).content.decode()
    assert "Код устарел или не запрашивался" in browser.get("/login/code/").content.decode()


def test_an_sms_code_runs_out_after_ten_minutes(world, enter, phone_parent, sms_gateway):
    browser = enter()
    browser.post("/login/forgot/", {"identifier": "+79005554433"})
    code = sms_code(sms_gateway)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11), tick=True):
        late = browser.post("/login/code/", {"code": code, "password": NEW, "password_again": NEW})
    assert "Код устарел" in late.content.decode()
