"""The test world, made once per session and shared by every test (each test runs in a
transaction that is rolled back): two schools and, in each, a person of every role; two
families, one with a child in each school; the district's official and operator."""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time as clock
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import import_module
from pathlib import Path
from unittest import mock

import kombu.pools
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Role, User
from config.celery import app
from journal import models as journal_models
from journal import services as journal
from tenants.models import School
from tenants.services import change_status, create_school
from tests import clock as run_clock

# The school day is the one of TIME_ZONE (Moscow), and so is every date.today() in the tests and in
# the processes they start: otherwise, from 21:00 to 24:00 UTC, the tests' "today" is a day behind
# the application's timezone.localdate().
os.environ["TZ"] = settings.TIME_ZONE
clock.tzset()
# The run's fixed school day, in this process and every process it starts (tests/clock.py).
run_clock.start()

PASSWORD = "Verno-2026-parol"


def database_url_of_tests():
    """The test database, for the processes a test starts (a worker, a server, a seed)."""
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def use_broker(url):
    """Points this process's Celery app at another broker, dropping the connections it pooled."""
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools by broker address, process-wide: a pool closed above would be
    # handed out again the next time the same address is used.
    kombu.pools.reset()


@contextmanager
def audit_rewritable():
    """The database refuses to change audit entries (audit migration 0003). A test that stages a
    past (an entry dated last month) or takes its committed rows away again lifts that for as long
    as it needs, as only a database superuser can (the product's own role never is one)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")


def year_ends_soon(calendar):
    """Moves the school year's end close: its last term ends in ten days (the running one in four),
    so that year marks may be set (journal.services.finals._check_year_mark_due). Call it in the school's schema."""
    from journal.models import Term

    today = date.today()
    Term.objects.filter(pk=calendar.term.pk).update(ends_on=today + timedelta(days=4))
    Term.objects.filter(pk=calendar.next_term.pk).update(
        starts_on=today + timedelta(days=5), ends_on=today + timedelta(days=10)
    )


def production_settings(env):
    """config/settings.py as a production process started with the environment `env` reads it (a
    module of its own; this process's settings and environment stay as they are)."""
    spec = importlib.util.spec_from_file_location("production_settings", settings.BASE_DIR / "config" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, env, clear=True):
        spec.loader.exec_module(module)
    return module


def wait_for_port(port, process, seconds=30):
    """Until `process` (a server a test started) listens on `port`; its output if it died first."""
    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode()[-3000:] if process.stdout else "it stopped"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        clock.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SchoolWorld:
    school: object
    admin: User = None
    director: User = None
    deputy: User = None
    teacher: User = None
    class_teacher: User = None
    pupil_user: User = None
    school_class: object = None
    other_class: object = None
    pupils: list = field(default_factory=list)

    @property
    def host(self):
        return self.school.host

    def staff(self):
        return {
            Role.SCHOOL_ADMIN: self.admin,
            Role.DIRECTOR: self.director,
            Role.DEPUTY: self.deputy,
            Role.TEACHER: self.teacher,
            Role.CLASS_TEACHER: self.class_teacher,
        }


@dataclass
class Calendar:
    """A school year laid out around today, so the tests do not depend on the date they run."""

    year: object
    closed_term: object  # ended a month ago: locked
    term: object  # the running term
    next_term: object
    holiday: object  # between the closed and the running term
    math: object
    russian: object
    music: object  # not marked
    answer: object  # work types
    test_work: object


@dataclass
class World:
    a: SchoolWorld
    b: SchoolWorld
    calendar_a: Calendar
    calendar_b: Calendar
    official: User
    operator: User
    suspended: object  # a third school, suspended: read-only, skipped by periodic jobs
    parent: User  # children in school A and school B
    other_parent: User  # a second family: one child in school A
    password_hash: str

    def person(self, email):
        user = accounts.create_person(accounts.NewAccount(last_name="Тестов", first_name="Тест", email=email))
        User.objects.filter(pk=user.pk).update(password=self.password_hash)
        user.refresh_from_db()
        return user


def _person(email, last, first, password_hash, **kw):
    user = accounts.create_person(accounts.NewAccount(last_name=last, first_name=first, email=email, **kw))
    User.objects.filter(pk=user.pk).update(password=password_hash)
    user.refresh_from_db()
    return user


def _school(slug, name, letter_prefix, password_hash):
    school = create_school(name=f"МБОУ «{name}»", short_name=name, slug=slug)
    w = SchoolWorld(school=school)
    for role, attr in [
        (Role.SCHOOL_ADMIN, "admin"),
        (Role.DIRECTOR, "director"),
        (Role.DEPUTY, "deputy"),
        (Role.TEACHER, "teacher"),
        (Role.CLASS_TEACHER, "class_teacher"),
    ]:
        user = _person(f"{attr}@{slug}.test", f"{attr.title()}{letter_prefix}", "Сотрудник", password_hash)
        accounts.add_membership(user, school, role)
        setattr(w, attr, user)
    accounts.add_membership(w.class_teacher, school, Role.TEACHER)
    with schema_context(school.schema_name):
        w.school_class = journal.create_class(grade=5, letter="А", class_teacher=w.class_teacher)
        w.other_class = journal.create_class(grade=6, letter="Б", class_teacher=w.teacher)
        for n, (last, first) in enumerate([("Ученик", "Первый"), ("Ученица", "Вторая"), ("Ученик", "Третий")]):
            w.pupils.append(
                journal.enroll_pupil(
                    school_class=w.school_class,
                    last_name=f"{last}{letter_prefix}",
                    first_name=first,
                    birth_date=date(2015, 3, n + 1),
                    enrolled_on=date(2022, 9, 1),
                    order="1-у",
                )
            )
        w.pupils.append(
            journal.enroll_pupil(
                school_class=w.other_class,
                last_name=f"Шестиклассник{letter_prefix}",
                first_name="Иван",
                birth_date=date(2014, 5, 5),
                enrolled_on=date(2021, 9, 1),
                order="2-у",
            )
        )
    w.pupil_user = _person(f"pupil@{slug}.test", f"Ученик{letter_prefix}", "Первый", password_hash)
    invitation, _ = accounts.issue_invitation(
        school=school, role=Role.PUPIL, by=w.class_teacher, ip=None, pupil=w.pupils[0]
    )
    accounts.redeem_invitation(invitation, ip=None, user=w.pupil_user)
    return w


def _calendar(w):
    """5А: maths with its class teacher on Mon, Wed and Fri (1st lesson), Russian with the
    other teacher on Tue and Thu (2nd); 6Б: maths with the other teacher on Mon (2nd)."""
    today = date.today()
    school = w.school
    with schema_context(school.schema_name):
        year = journal.create_year(
            name=f"{today.year}/{today.year + 1}",
            starts_on=today - timedelta(days=120),
            ends_on=today + timedelta(days=200),
        )
        for grade in (5, 6):
            journal.set_grade_scheme(year=year, grade=grade, scheme="quarter")
        closed = journal.add_term(
            year=year,
            scheme="quarter",
            number=1,
            starts_on=today - timedelta(days=100),
            ends_on=today - timedelta(days=30),
        )
        term = journal.add_term(
            year=year,
            scheme="quarter",
            number=2,
            starts_on=today - timedelta(days=20),
            ends_on=today + timedelta(days=40),
        )
        next_term = journal.add_term(
            year=year,
            scheme="quarter",
            number=3,
            starts_on=today + timedelta(days=50),
            ends_on=today + timedelta(days=150),
        )
        holiday = journal.add_holiday(
            year=year, name="Каникулы", starts_on=today - timedelta(days=29), ends_on=today - timedelta(days=21)
        )
        math = journal.create_subject(name="Математика")
        russian = journal.create_subject(name="Русский язык")
        music = journal.create_subject(name="Музыка", is_marked=False)
        # The curriculum the timetable below follows: 5th grade maths 3 h and Russian 2 h, 6th maths 1 h.
        for grade, subject, hours in ((5, math, 3), (5, russian, 2), (6, math, 1)):
            journal.set_curriculum(grade=grade, subject=subject, hours_per_week=hours)
        answer = journal.create_work_type(name="Ответ на уроке", weight=1)
        test_work = journal.create_work_type(name="Контрольная работа", weight=2)
        for number, hour in enumerate((8, 9, 10), start=1):
            journal.set_bell(number=number, starts_at=time(hour, 0), ends_at=time(hour, 45))
        for weekday in (1, 3, 5):
            journal.add_slot(
                school=school,
                weekday=weekday,
                number=1,
                school_class=w.school_class,
                subject=math,
                teacher=w.class_teacher,
                valid_from=year.starts_on,
                room="12",
            )
        for weekday in (2, 4):
            journal.add_slot(
                school=school,
                weekday=weekday,
                number=2,
                school_class=w.school_class,
                subject=russian,
                teacher=w.teacher,
                valid_from=year.starts_on,
                room="14",
            )
        journal.add_slot(
            school=school,
            weekday=1,
            number=2,
            school_class=w.other_class,
            subject=math,
            teacher=w.teacher,
            valid_from=year.starts_on,
            room="12",
        )
    return Calendar(
        year=year,
        closed_term=closed,
        term=term,
        next_term=next_term,
        holiday=holiday,
        math=math,
        russian=russian,
        music=music,
        answer=answer,
        test_work=test_work,
    )


def link_parent(world_school, parent, pupil):
    invitation, _ = accounts.issue_invitation(
        school=world_school.school, role=Role.PARENT, by=world_school.class_teacher, ip=None, pupil=pupil
    )
    accounts.redeem_invitation(invitation, ip=None, user=parent, consent=True)


# The longest modules first: pytest-xdist hands tests out in order, so the short ones fill the end
# and both workers finish together (docs/testing.md has the times).
# (test_browser, test_production and test_tasks leave committed rows that modules before them in
# the alphabet do not expect: they keep their place.)
LONGEST_FIRST = ["test_seed", "test_api_fuzz", "test_outbox", "test_access_matrix", "test_provisioning"]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.module.__name__.rsplit(".", 1)[-1]
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a module and of the rest is kept
    for item in items:
        # pytest-django sets up the test database only for tests that ask for it; a test that uses
        # the world must get it too, or the world would be written into the configured database.
        if "world" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """The test database is made by migrations, which coverage does not count (they are left out)
    but would trace, line by line: it pauses while they run."""
    paused = None
    if fixturedef.argname == "django_db_setup":
        import coverage

        paused = coverage.Coverage.current()
        if paused is not None:
            paused.stop()
    try:
        yield
    finally:
        if paused is not None:
            paused.start()


def _admin_connection():
    return psycopg.connect(database_url_of_tests().rsplit("/", 1)[0] + "/postgres", autocommit=True)


@pytest.fixture(scope="session")
def empty_installation_template(django_db_setup, django_db_blocker):
    """A copy of the test database as migrations left it, before any school or person: the
    template of `new_installation` (PostgreSQL copies a database far faster than it migrates one)."""
    name = connection.settings_dict["NAME"]
    # pytest-django makes the test database only for a run that has a database test: a module run
    # alone would otherwise copy the development database (make demo's district) here.
    assert name.startswith("test_"), "mark the test django_db: there is no test database in this run"
    template = f"{name}_empty"
    with django_db_blocker.unblock():
        connection.close()  # PostgreSQL copies only a database nobody is connected to
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
            admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    yield template
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        # A process a test started (a worker, a server) may hold a connection a moment after it
        # exits; the test database is dropped after this, and only without them.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


@pytest.fixture
def new_installation(empty_installation_template):
    """The URL of a database of its own, migrated and empty, as a new installation's (dropped after)."""
    name = f"{empty_installation_template}_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{empty_installation_template}"')
    yield database_url_of_tests().rsplit("/", 1)[0] + f"/{name}"
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def world(empty_installation_template, django_db_blocker):
    assert connection.settings_dict["NAME"].startswith("test_"), "the test world goes into a test database only"
    with django_db_blocker.unblock():
        password_hash = make_password(PASSWORD)  # one hash for everyone, by the test settings' hasher
        a = _school("school-a", "Школа Альфа", "Альфа", password_hash)
        b = _school("school-b", "Школа Бета", "Бета", password_hash)
        calendar_a, calendar_b = _calendar(a), _calendar(b)
        # The schools joined the platform before their school year began, not the day the tests run.
        School.objects.filter(pk__in=[a.school.pk, b.school.pk]).update(created_at=timezone.now() - timedelta(days=130))
        a.school.refresh_from_db()
        b.school.refresh_from_db()
        suspended = change_status(
            create_school(name="МБОУ «Школа Гамма»", short_name="Школа Гамма", slug="school-c"),
            School.Status.SUSPENDED,
            reason="Проверка",
        )
        official = _person("official@district.test", "Чиновникова", "Ольга", password_hash)
        operator = _person("operator@district.test", "Операторов", "Олег", password_hash)
        accounts.add_membership(official, None, Role.DISTRICT_OFFICIAL)
        accounts.add_membership(operator, None, Role.DISTRICT_OPERATOR)
        parent = _person("parent@family.test", "Родителева", "Мария", password_hash, phone="+7 900 111-22-33")
        other_parent = _person("parent@other-family.test", "Чужая", "Анна", password_hash)
        link_parent(a, parent, a.pupils[0])
        link_parent(b, parent, b.pupils[1])
        link_parent(a, other_parent, a.pupils[2])
        # The roles that must sign in with a second factor have an authenticator app.
        for user in (a.admin, a.director, a.deputy, b.admin, b.director, b.deputy, official, operator):
            TOTPDevice.objects.create(user=user, name="Приложение", confirmed=True)
        connection.set_schema_to_public()
        yield World(
            a=a,
            b=b,
            calendar_a=calendar_a,
            calendar_b=calendar_b,
            suspended=suspended,
            official=official,
            operator=operator,
            parent=parent,
            other_parent=other_parent,
            password_hash=password_hash,
        )


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def enter(world, db):
    """enter(user, host) -> a browser signed in as `user` and talking to `host`."""

    def make(user=None, host="localhost", **headers):
        client = Client(HTTP_HOST=host, **headers)
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = session_of(user)
        return client

    return make


def session_of(user, second_factor=True):
    """A new session of `user`, as sign-in leaves it (and, for a person with an authenticator app,
    as if its code had been typed, unless second_factor=False): one row written, without a
    sign-in's hashing and signals."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.IdentifierBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if second_factor else None
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


@pytest.fixture
def lesson(world, db):
    """5А's last maths lesson up to today, with school A's schema active for the test."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        yield (
            journal_models.Lesson.objects.filter(
                school_class=a.school_class, subject=cal.math, term=cal.term, date__lte=timezone.localdate()
            )
            .order_by("date")
            .last()
        )


@pytest.fixture
def phone_parent(world, db):
    """A parent of 5А's second pupil who signed up with a phone only (no e-mail)."""
    parent = accounts.create_person(
        accounts.NewAccount(last_name="Смсова", first_name="Дарья", phone="+7 900 555-44-33", password=PASSWORD)
    )
    link_parent(world.a, parent, world.a.pupils[1])
    return parent


def _sms_standin():
    spec = importlib.util.spec_from_file_location("smsgateway", Path(settings.BASE_DIR) / "deploy" / "smsgateway.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sms_gateway(settings, tmp_path):
    """The stand-in SMS.ru of make demo (deploy/smsgateway.py), a real HTTP server on this
    machine; `sms_gateway.received()` is what it took, as (phone, text), oldest first."""
    gateway = _sms_standin().Gateway(0, tmp_path / "sms", api_id="test-key", unreachable={"79009999999"})
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    settings.SMS_GATEWAY_URL, settings.SMS_API_ID = gateway.url, "test-key"

    def received():
        files = sorted(gateway.folder.iterdir())
        return [("+" + f.stem.split("-")[3], f.read_text().split("\n\n", 1)[1].strip()) for f in files]

    gateway.received = received
    yield gateway
    gateway.shutdown()
    gateway.server_close()


@pytest.fixture(autouse=True)
def rates_reset():
    """Request rates live in Redis, outside the test's transaction: each test starts and ends
    with none (the sign-in limits count LoginAttempt rows, which the transaction takes back)."""
    from django.core.cache import caches

    def reset():
        # Only the shared cache's keys: a flush would take the broker's and the schools' cache with it.
        shared = caches["shared"]
        client = shared._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{shared.key_prefix}:*"):
            client.delete(key)

    reset()
    yield reset
    reset()


# --- One dev server and one browser for the browser modules (test_browser, test_phone) ----------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]


@pytest.fixture(scope="session")
def server(world):
    """The product's own server on the test database (its port), for the browser."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "SITE_PORT": str(port),
        "DEBUG": "True",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright, launched once."""
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), (
        f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM"
    )
    # Playwright's sync API keeps an asyncio loop marked as running in this thread while it lives,
    # and Django's guard against ORM calls from async code would then refuse every query of the
    # tests after it. Nothing here runs async code: the guard is lifted while the browser lives.
    with mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}), sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Browser:
    """A test's windows in the shared Chromium: each context a fresh profile (no cookies, no
    storage), its pages' clock on the test run's day; all closed when the test ends."""

    def __init__(self, chromium):
        self.chromium, self.contexts = chromium, []

    def new_context(self, **options):
        context = self.chromium.new_context(**options)
        context.clock.install(time=datetime.now().astimezone())
        self.contexts.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium, server):
    opened = Browser(chromium)
    yield opened
    opened.close()
