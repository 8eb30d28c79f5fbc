"""Two-factor sign-in: required for district staff and school administration, optional for
teachers, with recovery codes that work once."""

import re
from base64 import b32decode

from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from audit.models import AuditEntry

from .conftest import PASSWORD, _person


def sign_in(host, identifier):
    browser = Client(HTTP_HOST=host)
    assert browser.post("/login/", {"identifier": identifier, "password": PASSWORD}).status_code == 302
    return browser


def wait_out_the_slowdown(user):
    """django-otp refuses any code for a second after a wrong one (doubling each time): a person
    waits; the test lifts it."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_timestamp=None, throttling_failure_count=0)


def code_now(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def app_from(page):
    """What the person's phone holds after typing the secret the set-up page shows."""
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    return TOTPDevice(key=b32decode(secret + "=" * (-len(secret) % 8)).hex())


def test_a_new_deputy_sets_up_the_app_before_reaching_anything(world, enter):
    from accounts import services as accounts

    a = world.a
    deputy = _person("new-deputy@school-a.test", "НоваяАльфа", "Зам", world.password_hash)
    accounts.add_membership(deputy, a.school, Role.DEPUTY)
    browser = sign_in(a.host, "new-deputy@school-a.test")
    page = browser.get("/classes/")
    assert page.status_code == 302 and page.url.startswith("/account/2fa/")
    api = browser.get("/api/v1/classes/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"
    setup = browser.get("/account/2fa/").content.decode()
    assert "<svg" in setup and "Яндекс Ключ" in setup
    device = app_from(setup)
    assert browser.post("/account/2fa/", {"code": "000000"}).status_code == 200  # a wrong code changes nothing
    assert not TOTPDevice.objects.filter(user=deputy, confirmed=True).exists()
    wait_out_the_slowdown(deputy)
    shown = browser.post("/account/2fa/", {"code": code_now(device), "next": "/classes/"}).content.decode()
    codes = re.findall(r"<code>([a-z2-7]{8})</code>", shown)
    assert len(codes) == 10
    assert browser.get("/classes/").status_code == 200
    assert AuditEntry.objects.filter(action="user.two_factor_on", actor=deputy).exists()

    # Next time: the password, then the code; a recovery code works once.
    again = sign_in(a.host, "new-deputy@school-a.test")
    assert again.get("/classes/").status_code == 302
    assert again.post("/account/2fa/", {"code": "123456"}).status_code == 200
    assert again.get("/classes/").status_code == 302
    wait_out_the_slowdown(deputy)
    assert again.post("/account/2fa/", {"code": codes[0].upper(), "next": "/classes/"}).url == "/classes/"
    assert again.get("/classes/").status_code == 200
    third = sign_in(a.host, "new-deputy@school-a.test")
    third.post("/account/2fa/", {"code": codes[0]})
    assert third.get("/classes/").status_code == 302  # used already


def test_district_staff_need_the_second_factor_at_the_portal(world):
    browser = sign_in("localhost", "official@district.test")
    assert browser.get("/district/").status_code == 302
    device = TOTPDevice.objects.get(user=world.official, confirmed=True)
    browser.post("/account/2fa/", {"code": code_now(device)})
    assert browser.get("/district/").status_code == 200


def test_a_teacher_is_not_asked_but_may_turn_it_on(world):
    a = world.a
    browser = sign_in(a.host, "teacher@school-a.test")
    assert browser.get("/timetable/").status_code == 200
    setup = browser.get("/account/2fa/").content.decode()
    assert "Второй фактор защитит вход" in setup
    device = app_from(setup)
    browser.post("/account/2fa/", {"code": code_now(device)})
    assert browser.get("/timetable/").status_code == 200
    # From now on the teacher is asked too.
    again = sign_in(a.host, "teacher@school-a.test")
    assert again.get("/timetable/").status_code == 302


def test_moving_to_another_school_keeps_the_second_factor_given(world, enter):
    from accounts import services as accounts

    a, b = world.a, world.b
    accounts.add_membership(a.deputy, b.school, Role.TEACHER)
    browser = enter(a.deputy, a.host)  # signed in with the code from the app
    assert browser.get("/control/").status_code == 200
    moved = browser.post(f"/switch/{b.school.slug}/")
    arriving = Client(HTTP_HOST=b.host)
    arriving.get(moved.url.split("8000", 1)[1])
    assert arriving.get("/timetable/").status_code == 200  # not sent to the two-factor page again


def test_a_set_up_page_seen_once_with_the_password_gives_no_lasting_second_factor(world):
    """Before: every session was shown the same pending secret until someone confirmed it, so
    whoever once opened the page with the password held the owner's second factor for good."""
    a = world.a
    intruder = sign_in(a.host, "teacher@school-a.test")
    seen = app_from(intruder.get("/account/2fa/").content.decode())
    assert not TOTPDevice.objects.filter(user=a.teacher).exists()  # no device until confirmed
    owner = sign_in(a.host, "teacher@school-a.test")
    page = owner.get("/account/2fa/").content.decode()
    app = app_from(page)
    assert app.key != seen.key
    owner.post("/account/2fa/", {"code": code_now(app)})
    assert TOTPDevice.objects.get(user=a.teacher, confirmed=True).key == app.key
    # The intruder's session ended when the owner turned it on; the seen secret opens nothing.
    assert intruder.get("/timetable/").status_code == 302
    later = sign_in(a.host, "teacher@school-a.test")
    later.post("/account/2fa/", {"code": code_now(seen)})
    assert later.get("/timetable/").status_code == 302
    # The owner goes on.
    assert owner.get("/timetable/").status_code == 200


def test_turning_the_second_factor_on_ends_other_sessions_and_tells_the_person(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.tasks import tell_person

    a = world.a
    monkeypatch.setattr(
        tell_person, "apply_async", lambda args, kwargs, **kw: tell_person(*args, **kwargs)
    )  # no worker here
    elsewhere = sign_in(a.host, "teacher@school-a.test")
    assert elsewhere.get("/timetable/").status_code == 200
    here = sign_in(a.host, "teacher@school-a.test")
    app = app_from(here.get("/account/2fa/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        here.post("/account/2fa/", {"code": code_now(app)})
    assert elsewhere.get("/timetable/").status_code == 302  # a session without the second factor
    assert here.get("/timetable/").status_code == 200
    assert [m.subject for m in mail.outbox] == ["Электронный дневник: включён вход с кодом из приложения"]
    assert mail.outbox[0].to == ["teacher@school-a.test"]


def test_a_director_signs_in_at_a_suspended_school_with_the_code_from_the_app(world):
    """Before: the read-only gate took the second factor's POST for a write and refused it, so
    the heads who read an archive were sent back to the two-factor form for ever."""
    from tenants.models import School

    a = world.a
    School.objects.filter(pk=a.school.pk).update(status=School.Status.SUSPENDED)
    try:
        browser = sign_in(a.host, "director@school-a.test")
        assert browser.get("/classes/").url.startswith("/account/2fa/")
        device = TOTPDevice.objects.get(user=a.director, confirmed=True)
        given = browser.post("/account/2fa/", {"code": code_now(device), "next": "/classes/"})
        assert given.status_code == 302 and given.url == "/classes/"
        assert browser.get("/classes/").status_code == 200
        assert browser.post("/i18n/setlang/", {"language": "en", "next": "/classes/"}).status_code == 302
        refused = browser.post("/staff/invite/", {"role": "teacher", "full_name": "Новиков Н. Н."})
        assert refused.status_code == 403 and "Changes are not saved" in refused.content.decode()
    finally:
        School.objects.filter(pk=a.school.pk).update(status=School.Status.ACTIVE)


def test_every_answer_to_a_signed_in_person_is_private_and_not_stored(world, enter):
    page = enter(world.a.deputy, world.a.host).get("/account/2fa/")
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    api = enter(world.parent).get("/api/v1/children/")
    assert "no-store" in api["Cache-Control"]
    assert "no-store" not in Client(HTTP_HOST=world.a.host).get("/login/").get("Cache-Control", "")


def test_wrong_codes_sent_at_once_are_each_counted(world, settings):
    """The probe saw codes sent together counted as two or three failures: django-otp's slowdown
    refusing the rest unchecked. Every code that is checked is counted, because django-otp locks
    the device rows while it checks. Pinned here with the slowdown off: the row is held by another
    transaction until every request waits on it, then let go."""
    import time as clock
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    from django.db import connection

    from tests.conftest import database_url_of_tests, session_of

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own slowdown off: every code reaches the check
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "two_factor": "1000/min"},
    }
    a, codes = world.a, 6
    device = TOTPDevice.objects.get(user=a.deputy, confirmed=True)

    def wrong_code(_):
        try:  # signed in with the password only, on this thread's own connection
            browser = Client(HTTP_HOST=a.host)
            browser.cookies[settings.SESSION_COOKIE_NAME] = session_of(a.deputy, second_factor=False)
            return browser.post("/account/2fa/", {"code": "000000"}).status_code
        finally:
            connection.close()

    def waiting(db):
        # pg_stat_activity is a snapshot per transaction: cleared to be read afresh.
        return db.execute(
            "SELECT pg_stat_clear_snapshot(), (SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database())"
        ).fetchone()[1]

    with psycopg.connect(database_url_of_tests()) as holder, ThreadPoolExecutor(max_workers=codes) as pool:
        holder.execute("SELECT 1 FROM otp_totp_totpdevice WHERE id = %s FOR UPDATE", [device.pk])
        sent = [pool.submit(wrong_code, n) for n in range(codes)]
        deadline = clock.monotonic() + 60
        while waiting(holder) < codes and clock.monotonic() < deadline and not any(f.done() for f in sent):
            clock.sleep(0.05)
        queued = waiting(holder)
        holder.commit()  # let go: the requests go on
        assert queued == codes, "the requests did not all wait on the device's row"
        assert [f.result() for f in sent] == [200] * codes
        try:
            counted = holder.execute(
                "SELECT throttling_failure_count FROM otp_totp_totpdevice WHERE id = %s", [device.pk]
            ).fetchone()[0]
            assert counted == codes
        finally:
            holder.execute(
                "UPDATE otp_totp_totpdevice SET throttling_failure_count = 0, throttling_failure_timestamp = NULL"
                " WHERE id = %s",
                [device.pk],
            )
            holder.commit()


def test_a_deputy_who_lost_the_phone_is_reset_by_the_school_admin_with_a_reason(
    world, enter, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.tasks import tell_person

    a = world.a
    monkeypatch.setattr(tell_person, "apply_async", lambda args, kwargs, **kw: tell_person(*args, **kwargs))
    deputy = a.deputy.memberships.get(role=Role.DEPUTY, school=a.school)
    signed_in = enter(a.deputy, a.host)
    assert signed_in.get("/classes/").status_code == 200
    page = f"/staff/{deputy.pk}/reset-two-factor/"
    admin = enter(a.admin, a.host)
    assert "Потерян телефон с кодами" in admin.get("/staff/").content.decode()
    no_reason = admin.post(page, {"reason": " "}, follow=True).content.decode()
    assert "Укажите основание" in no_reason and TOTPDevice.objects.filter(user=a.deputy).exists()
    # Not the director's to do, nor another school's admin's: the same refusal as a row not there.
    assert enter(a.director, a.host).post(page, {"reason": "просьба"}).status_code in (403, 404)
    assert enter(world.b.admin, world.b.host).post(page, {"reason": "просьба"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(page, {"reason": "Утерян телефон, заявление от 07.12"}, follow=True)
    assert "сброшен" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=a.deputy).exists()
    assert not StaticDevice.objects.filter(user=a.deputy).exists()
    assert signed_in.get("/classes/").status_code == 302  # every session of theirs ended
    entry = AuditEntry.objects.get(action="user.two_factor_reset", target_id=a.deputy.pk)
    assert entry.actor_id == a.admin.pk and entry.reason.startswith("Утерян телефон")
    assert mail.outbox[-1].to == [a.deputy.email] and "сброшен" in mail.outbox[-1].subject
    again = sign_in(a.host, a.deputy.email)
    assert again.get("/classes/").url.startswith("/account/2fa/")  # the app is set up anew first
    own = a.admin.memberships.get(role=Role.SCHOOL_ADMIN, school=a.school)
    assert (
        "другой администратор"
        in admin.post(f"/staff/{own.pk}/reset-two-factor/", {"reason": "сам"}, follow=True).content.decode()
    )
