"""One account per person: sign in by e-mail, phone or SNILS; roles decide the address."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as accounts
from accounts.identifiers import normalize_phone, normalize_snils
from accounts.models import LoginAttempt, Role, User
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("112-233-445 95", "11223344595"),
        ("11223344595", "11223344595"),
        ("001-001-998 00", "00100199800"),
    ],
)
def test_a_valid_snils_is_accepted(typed, stored):
    assert normalize_snils(typed) == stored


@pytest.mark.parametrize("typed", ["112-233-445 96", "1122334459", "abc", "112-233-445 955"])
def test_a_wrong_snils_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_snils(typed)


@pytest.mark.parametrize("typed", ["+7 (912) 345-67-89", "89123456789", "9123456789"])
def test_a_phone_is_stored_one_way(typed):
    assert normalize_phone(typed) == "+79123456789"


def sign_in(client, identifier, password=PASSWORD):
    return client.post("/login/", {"identifier": identifier, "password": password})


def test_staff_sign_in_at_their_school_by_email(world, enter):
    browser = enter(host=world.a.host)
    assert sign_in(browser, "teacher@school-a.test").status_code == 302
    assert "Teacher" in browser.get("/").content.decode()
    # Kept hashed by the first of the hashers (production's is Argon2: tests/test_operations.py).
    stored = User.objects.get(email="teacher@school-a.test").password
    assert identify_hasher(stored).algorithm == get_hasher().algorithm


def test_a_parent_signs_in_at_the_portal_by_phone_or_snils(world, enter):
    assert sign_in(enter(), "8 (900) 111-22-33").status_code == 302
    user = world.person("snils-parent@family.test")
    user.snils = "11223344595"
    user.save()
    accounts.add_membership(user, world.a.school, Role.PARENT)
    assert sign_in(enter(), "112-233-445 95").status_code == 302


def test_a_staff_member_of_one_school_cannot_sign_in_at_another(world, enter):
    response = sign_in(enter(host=world.b.host), "teacher@school-a.test")
    page = response.content.decode()
    assert response.status_code == 200 and "нет доступа" in page
    assert "school-a.localhost" in page  # told where to go instead
    assert "_auth_user_id" not in enter(host=world.b.host).session


def test_a_session_from_one_school_is_dropped_at_another(world, enter):
    browser = enter(world.a.teacher, world.a.host)
    assert browser.get("/classes/").status_code == 200
    browser.defaults["HTTP_HOST"] = world.b.host  # the cookie carried to school B's address
    response = browser.get("/classes/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    browser.defaults["HTTP_HOST"] = world.a.host
    assert browser.get("/classes/").status_code == 302  # the session is gone, not only refused


def test_parents_and_officials_sign_in_at_the_portal_not_at_a_school(world, enter):
    for identifier in ("parent@family.test", "official@district.test"):
        response = sign_in(enter(host=world.a.host), identifier)
        assert response.status_code == 200 and "Портал" in response.content.decode()
    response = sign_in(enter(), "director@school-a.test")
    assert response.status_code == 200 and "school-a.localhost" in response.content.decode()


def test_a_teacher_in_two_schools_has_one_login_and_two_memberships(world, enter):
    teacher = world.a.teacher
    accounts.add_membership(teacher, world.b.school, Role.TEACHER)
    for host in (world.a.host, world.b.host):
        assert sign_in(enter(host=host), "teacher@school-a.test").status_code == 302
    assert User.objects.filter(email="teacher@school-a.test").count() == 1


def test_repeated_failures_lock_the_login_from_that_address(world, enter, settings):
    browser = enter(host=world.a.host)
    for _ in range(settings.LOCKOUT_ATTEMPTS - 1):
        assert "Неверный логин или пароль" in sign_in(browser, "deputy@school-a.test", "wrong").content.decode()
    locked = sign_in(browser, "deputy@school-a.test", "wrong")
    assert locked.status_code == 429 and "Слишком много неудачных попыток" in locked.content.decode()
    # Even the right password is refused while locked.
    assert sign_in(browser, "deputy@school-a.test").status_code == 429
    deputy = User.objects.get(email="deputy@school-a.test")
    assert LoginAttempt.objects.filter(user=deputy, success=False).count() == settings.LOCKOUT_ATTEMPTS + 1
    # Nobody locks another person out from elsewhere: the deputy's own address still signs in.
    assert sign_in(enter(host=world.a.host, REMOTE_ADDR="10.9.8.7"), "deputy@school-a.test").status_code == 302
    # The lock runs out.
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES, seconds=1), tick=True):
        assert sign_in(browser, "deputy@school-a.test").status_code == 302


def test_an_unknown_login_is_refused_alike(world, enter):
    response = sign_in(enter(host=world.a.host), "nobody@nowhere.test")
    assert "Неверный логин или пароль" in response.content.decode()
    assert LoginAttempt.objects.filter(identifier="nobody@nowhere.test", success=False, user=None).exists()


def test_an_ended_membership_ends_the_session(world, enter):
    browser = enter(world.a.deputy, world.a.host)
    assert browser.get("/classes/").status_code == 200
    membership = world.a.deputy.memberships.get(role=Role.DEPUTY)
    accounts.end_membership(membership, by=world.a.admin, ip="10.1.1.1", reason="Приказ № 44-к")
    assert browser.get("/classes/").status_code == 302


def test_a_password_change_is_audited_without_the_password(world, enter):
    from audit.models import AuditEntry

    browser = enter(world.a.teacher, world.a.host)
    response = browser.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Novyi-parol-2027",
            "new_password2": "Novyi-parol-2027",
        },
        REMOTE_ADDR="10.2.3.4",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.password_changed", target_id=world.a.teacher.pk)
    assert entry.actor == world.a.teacher and entry.ip == "10.2.3.4" and entry.new is None


def test_an_expired_sign_in_leaves_the_sessions_table_at_night_and_a_live_one_stays(world, enter):
    """Every sign-in of the region is a row in public; the night clears those that have expired."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.tasks import clear_expired_sessions

    live, expired = enter(world.a.teacher, world.a.host), enter(world.b.teacher, world.b.host)
    Session.objects.filter(pk=expired.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert clear_expired_sessions() == 1
    assert not Session.objects.filter(pk=expired.session.session_key).exists()
    assert live.get("/journal/").status_code == 200
    assert expired.get("/journal/").status_code == 302  # to sign in again


def test_every_periodic_job_names_a_task_the_worker_knows():
    from celery import current_app
    from django.conf import settings

    current_app.loader.import_default_modules()  # the apps' tasks modules, as a worker imports them
    assert {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()} <= set(current_app.tasks)
