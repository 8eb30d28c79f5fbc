"""Sign-in limits as an attacker meets them: guesses spread over many addresses, a whole IPv6
network, bursts sent at once; and the owner, who still signs in from their own phone."""

from concurrent.futures import ThreadPoolExecutor

import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.lockout import DEVICE_COOKIE
from accounts.models import LoginAttempt
from accounts.tasks import tell_person

from .conftest import PASSWORD

LOGIN = "deputy@school-a.test"


def attempt(host, address, password="wrong", login=LOGIN, cookies=None):
    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_FOR=address)
    for name, value in (cookies or {}).items():
        client.cookies[name] = getattr(value, "value", value)
    return client.post("/login/", {"identifier": login, "password": password})


def test_guesses_spread_over_addresses_meet_the_accounts_ceiling_while_the_owners_phone_signs_in(
    world, settings, monkeypatch
):
    """Before: 4 guesses from each of 4 addresses, then the right password from a fifth, signed
    in (the lockout counted per login and address only)."""
    settings.TRUSTED_PROXIES = 1  # behind the ingress: the address is the one it saw
    told = []
    monkeypatch.setattr(tell_person, "apply_async", lambda args, **kw: told.append(args))
    host = world.a.host
    phone = attempt(host, "198.51.100.7", PASSWORD)  # the owner, a week ago, on their phone
    assert phone.status_code == 302 and DEVICE_COOKIE in phone.cookies
    for n in range(4):
        for _ in range(4):
            assert attempt(host, f"203.0.113.{n + 1}").status_code in (200, 429)
    stranger = attempt(host, "203.0.113.50", PASSWORD)
    assert stranger.status_code == 429
    assert "с разных адресов" in stranger.content.decode()
    assert LoginAttempt.objects.filter(login_key="email:deputy@school-a.test", refused=False, success=False).count() == settings.ACCOUNT_CEILING  # fmt: skip
    # The owner's phone, from wherever they are now, is not held back by strangers' guesses.
    assert attempt(host, "192.0.2.33", PASSWORD, cookies=phone.cookies).status_code == 302
    # They were told once, and the notice says what to do.
    assert told == [[world.a.deputy.pk, "guessing"]]
    assert tell_person(world.a.deputy.pk, "guessing") is True
    assert mail.outbox[-1].to == [LOGIN] and "смените пароль" in mail.outbox[-1].body


def test_a_cookie_of_another_login_or_forged_is_no_known_device(world, settings):
    settings.TRUSTED_PROXIES = 1
    host = world.a.host
    teacher = attempt(host, "198.51.100.8", PASSWORD, login="teacher@school-a.test")
    assert teacher.status_code == 302
    for n in range(settings.ACCOUNT_CEILING + 1):
        attempt(host, f"203.0.113.{n + 1}")
    # The teacher's own device cookie does not open the deputy's account, nor a forged one.
    assert attempt(host, "192.0.2.1", PASSWORD, cookies=teacher.cookies).status_code == 429
    assert attempt(host, "192.0.2.2", PASSWORD, cookies={DEVICE_COOKIE: "forged"}).status_code == 429


def test_an_ipv6_client_is_one_network_across_its_64(world, settings):
    settings.TRUSTED_PROXIES = 1
    host = world.a.host
    for n in range(settings.LOCKOUT_ATTEMPTS):
        answer = attempt(host, f"2001:db8:0:7::{n + 1:x}")
    assert answer.status_code == 429
    assert attempt(host, "2001:db8:0:7:ffff::1", PASSWORD).status_code == 429  # same /64, another address
    assert attempt(host, "2001:db8:0:8::1", PASSWORD).status_code == 302  # another network


def test_forty_sign_ins_at_once_from_one_address_meet_the_request_rate(world, settings):
    """Before: none refused (DRF's throttle read, appended and wrote back its history, so
    requests at once overwrote each other's)."""
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"].split("/")[0])

    def guess(n):
        try:  # unknown logins: only the rate can refuse them
            return (
                Client(HTTP_HOST=world.a.host)
                .post("/login/", {"identifier": f"guess{n}@nowhere.test", "password": "x"})
                .status_code
            )
        finally:
            connection.close()

    def clean_up():
        try:
            LoginAttempt.objects.filter(identifier__endswith="@nowhere.test").delete()
        finally:
            connection.close()

    # One moment for every thread: all forty fall in the same minute's window.
    with time_machine.travel(timezone.now(), tick=False):
        try:
            with ThreadPoolExecutor(max_workers=20) as pool:
                statuses = list(pool.map(guess, range(40)))
        finally:
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(clean_up).result()
    assert statuses.count(429) == 40 - rate and statuses.count(200) == rate


def test_with_redis_down_people_still_sign_in_and_the_limits_still_hold(world, settings):
    """Redis is the cache and the request rates only: sign-in and its limits live in PostgreSQL."""
    settings.CACHES = {alias: {**conf, "LOCATION": "redis://127.0.0.1:1/0"} for alias, conf in settings.CACHES.items()}
    host = world.a.host
    browser = Client(HTTP_HOST=host)
    assert browser.post("/login/", {"identifier": "teacher@school-a.test", "password": PASSWORD}).status_code == 302
    assert browser.get("/timetable/").status_code == 200
    for _ in range(settings.LOCKOUT_ATTEMPTS):
        answer = Client(HTTP_HOST=host).post("/login/", {"identifier": LOGIN, "password": "wrong"})
    assert answer.status_code == 429
