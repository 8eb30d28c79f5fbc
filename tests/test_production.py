"""The site as it is deployed: gunicorn with DEBUG off and production settings, behind a TLS
proxy (played by the test: the proxy's forwarded headers), uploads in an S3-compatible store
(moto's server, a real HTTP server on this machine), static files from the app, Redis that
stops. And the refusals: a process that would lose or leak data does not start."""

import hashlib
import os
import re
import subprocess
import sys
from unittest import mock

import boto3
import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import schema_context

from accounts.models import User
from audit.models import AuditEntry
from config.production import problems
from journal.models import HomeworkFile, Lesson
from tests.conftest import (
    PASSWORD,
    audit_rewritable,
    database_url_of_tests,
    free_port,
    production_settings,
    wait_for_port,
)
from tests.test_bad_input import math_lesson
from tests.test_outbox import Broker

pytestmark = pytest.mark.worker

CLIENT = "203.0.113.9"  # the address the proxy saw
BUCKET = "ejournal-files"


@pytest.fixture(scope="module")
def s3():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process)
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="district",
        aws_secret_access_key="district-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield port, client
    process.terminate()
    process.wait(timeout=10)


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "MEDIA_ROOT", "EMAIL_BACKEND")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",  # production's own, not the tests'
        "DATABASE_URL": database_url_of_tests(),
        "DEBUG": "False",
        "SECRET_KEY": "p" * 20 + "-a-production-key-of-fifty-chars-or-so",
        "BASE_DOMAIN": "localhost",
        "SECURE_COOKIES": "True",
        "TRUSTED_PROXIES": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(free_port()),  # nobody listens: a mail that cannot go waits in the outbox
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@pytest.fixture(scope="module")
def production_passwords(world, django_db_blocker):
    """The people who sign in here get their password hashed as production hashes it (Argon2): the
    test world's cheap hashes (tests/settings.py) are not among production's hashers."""
    people = [world.a.class_teacher, world.parent, world.other_parent, world.b.class_teacher]
    with django_db_blocker.unblock():
        User.objects.filter(pk__in=[p.pk for p in people]).update(password=make_password(PASSWORD, hasher="argon2"))
    yield
    with django_db_blocker.unblock():
        User.objects.filter(pk__in=[p.pk for p in people]).update(password=world.password_hash)


@pytest.fixture(scope="module")
def site(world, s3, production_passwords, tmp_path_factory):
    """gunicorn as the image runs it, static files collected as the image collects them."""
    s3_port, _ = s3
    redis = Broker(tmp_path_factory.mktemp("redis"))
    redis.start()
    static = tmp_path_factory.mktemp("static")
    env = production_env(
        REDIS_URL=redis.url,
        CELERY_BROKER_URL=redis.url,
        STATIC_MANIFEST="True",
        STATIC_ROOT=str(static),
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
        S3_ACCESS_KEY="district",
        S3_SECRET_KEY="district-secret",
        S3_REGION="us-east-1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "config.wsgi",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process)
    yield port, redis
    process.terminate()
    process.wait(timeout=10)
    redis.stop()


class Browser:
    """A browser at an https address, as the proxy hands its requests on: cookies by hand,
    because they are Secure and the last hop is plain HTTP."""

    def __init__(self, port, host, forwarded_for=CLIENT):
        self.base, self.host, self.cookies = f"http://127.0.0.1:{port}", host, {}
        self.forwarded_for = forwarded_for

    def request(self, method, path, **kwargs):
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.forwarded_for,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **kwargs.pop("headers", {}),
        }
        if method == "POST":
            headers |= {"Origin": f"https://{self.host}", "Referer": f"https://{self.host}{path}"}
            kwargs.setdefault("data", {})["csrfmiddlewaretoken"] = self.cookies.get("csrftoken", "")
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.cookies |= {cookie.name: cookie.value for cookie in response.cookies}
        return response

    def sign_in(self, user):
        assert self.request("GET", "/login/").status_code == 200
        response = self.request("POST", "/login/", data={"identifier": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text[:2000]
        assert "sessionid" in self.cookies
        return self


@pytest.fixture
def lesson(world, django_db_blocker):
    """A lesson whose page the server writes to (committed); the writes are taken away after."""
    a, cal = world.a, world.calendar_a
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
        before = Lesson.objects.filter(pk=lesson.pk).values("homework", "homework_none", "homework_entered_at").get()
        last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield lesson
    with django_db_blocker.unblock(), schema_context(a.school.schema_name), audit_rewritable():
        HomeworkFile.objects.filter(lesson=lesson).delete()
        AuditEntry.objects.filter(pk__gt=last_entry).delete()
        Lesson.objects.filter(pk=lesson.pk).update(**before)


def test_behind_the_tls_proxy_a_teacher_signs_in_uploads_to_s3_and_only_the_family_downloads(
    world, site, s3, lesson, django_db_blocker
):
    port, _ = site
    _, bucket = s3
    a = world.a
    teacher = Browser(port, a.host, forwarded_for=f"10.6.6.6, {CLIENT}").sign_in(a.class_teacher)

    page = teacher.request("GET", f"/lessons/{lesson.pk}/")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    script = re.search(r'src="(/static/site\.[0-9a-f]{12}\.js)"', page.text)
    assert script, "static files carry hashed names"
    served = teacher.request("GET", script.group(1), headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200 and served.headers["Content-Encoding"] == "gzip"
    assert "immutable" in served.headers["Cache-Control"]

    content = b"%PDF-1.4 homework of the production test"
    response = teacher.request(
        "POST",
        f"/lessons/{lesson.pk}/",
        data={"action": "homework", "homework": "См. файл"},
        files={"files": ("zadanie.pdf", content, "application/pdf")},
    )
    assert response.status_code == 302
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        attached = HomeworkFile.objects.filter(lesson=lesson).latest("pk")
        entry = AuditEntry.objects.filter(action="homework.file_added", target_id=attached.pk).get()
    # The client's address from the proxy, not the proxy's and not what the client wrote itself.
    assert entry.ip == CLIENT
    stored = bucket.get_object(Bucket=BUCKET, Key=attached.file.name)["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(content).digest()
    assert attached.file.name.startswith(f"{a.school.schema_name}/homework/")
    assert not (settings.BASE_DIR / "var" / "media" / attached.file.name).exists()

    path = f"/children/{a.school.slug}/{a.pupils[0].pk}/files/{lesson.pk}/{attached.pk}/"
    parent = Browser(port, "localhost").sign_in(world.parent)
    download = parent.request("GET", path)
    assert download.status_code == 200 and download.content == content
    stranger = Browser(port, "localhost").sign_in(world.other_parent)
    assert stranger.request("GET", path).status_code == 404
    assert Browser(port, "localhost").request("GET", path).status_code == 302  # to the sign-in page
    other_school = Browser(port, world.b.host).sign_in(world.b.class_teacher)
    assert other_school.request("GET", f"/lessons/{lesson.pk}/files/{attached.pk}/").status_code == 404


def test_with_redis_down_the_pod_stays_ready_and_people_sign_in_read_and_write(world, site, lesson, django_db_blocker):
    port, redis = site
    a = world.a
    probe = Browser(port, "10.0.0.7")
    assert probe.request("GET", "/readyz").json() == {"status": "ready", "database": True, "redis": True}
    redis.stop()
    try:
        answer = probe.request("GET", "/readyz")
        assert answer.status_code == 200
        assert answer.json() == {"status": "degraded", "database": True, "redis": False}

        # Signing in counts the address's attempts in Redis: without it, it goes on uncounted there
        # (the sign-in limits are kept in PostgreSQL).
        parent = Browser(port, "localhost").sign_in(world.parent)
        week = parent.request("GET", f"/children/{a.school.slug}/{a.pupils[0].pk}/")
        assert week.status_code == 200 and a.pupils[0].last_name in week.text

        teacher = Browser(port, a.host).sign_in(a.class_teacher)
        assert teacher.request("GET", f"/lessons/{lesson.pk}/").status_code == 200
        saved = teacher.request(
            "POST", f"/lessons/{lesson.pk}/", data={"action": "homework", "homework": "§ 12 без Redis"}
        )
        assert saved.status_code == 302
        with django_db_blocker.unblock(), schema_context(a.school.schema_name):
            assert Lesson.objects.get(pk=lesson.pk).homework == "§ 12 без Redis"
            assert AuditEntry.objects.filter(action="lesson.homework", target_id=lesson.pk, ip=CLIENT).exists()
    finally:
        redis.start()


@pytest.mark.parametrize(
    "change, refusal",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-secret-change-me"}, "SECRET_KEY"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "не отправляет письма"),
        ({"EMAIL_HOST": None}, "EMAIL_HOST"),
        ({"S3_BUCKET": None}, "S3_BUCKET"),
        ({"BASE_DOMAIN": None}, "BASE_DOMAIN"),
        ({"DATABASE_POOL_MODE": "transaction"}, "DATABASE_POOL_MODE"),
        ({"SMS_API_ID": "key", "SMS_GATEWAY_URL": "http://sms.example.ru"}, "SMS_GATEWAY_URL"),
        (
            {"IDENTITY_PROVIDERS": "esia", "IDP_ESIA_ISSUER": "http://esia.example.ru", "IDP_ESIA_CLIENT_ID": "x"},
            "IDP_ESIA",
        ),
        ({"IDENTITY_PROVIDERS": "esia", "IDP_ESIA_ISSUER": "https://esia.example.ru"}, "IDP_ESIA"),
    ],
)
def test_production_refuses_to_start_on_settings_that_lose_or_leak_data(change, refusal):
    env = production_env(S3_BUCKET=BUCKET)
    for key, value in change.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    with mock.patch.dict(os.environ, env, clear=True):  # what problems() reads of the environment itself
        assert refusal in "; ".join(problems(production_settings(env)))


@pytest.mark.parametrize(
    "name, value",
    [("TWO_FACTOR_REQUIRED", "Ture"), ("SECURE_COOKIES", "yes please"), ("LOCKOUT_ATTEMPTS", "5x"),
     ("LOCKOUT_MINUTES", "-1"), ("SENTRY_TRACES_SAMPLE_RATE", "NaN")],
)  # fmt: skip
def test_a_mistyped_setting_stops_the_start_and_names_itself(name, value):
    """Before: TWO_FACTOR_REQUIRED=Ture quietly switched two-factor off."""
    with pytest.raises(ImproperlyConfigured, match=name):
        production_settings(production_env(S3_BUCKET=BUCKET, **{name: value}))


def test_with_debug_off_cookies_are_secure_unless_plain_http_is_said_outright():
    env = production_env(S3_BUCKET=BUCKET)
    env.pop("SECURE_COOKIES", None)
    secure = production_settings(env)
    assert secure.SESSION_COOKIE_SECURE and secure.CSRF_COOKIE_SECURE and secure.SECURE_HSTS_SECONDS > 0
    plain = production_settings({**env, "SECURE_COOKIES": "false"})
    assert not plain.SESSION_COOKIE_SECURE and plain.SECURE_HSTS_SECONDS == 0
    assert not production_settings({**env, "DEBUG": "true"}).SESSION_COOKIE_SECURE  # development


def test_the_demo_runs_with_debug_off_and_still_needs_a_real_secret_key():
    """make demo: DEBUG off like production (the product's own Russian error pages, no debug
    page with the URL map), mail into files and uploads on this disk allowed."""
    env = {**production_env(), "DEMO": "true", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}
    with mock.patch.dict(os.environ, env, clear=True):
        demo = production_settings(env)
        assert not demo.DEBUG and problems(demo) == []
        assert "SECRET_KEY" in "; ".join(problems(production_settings({**env, "SECRET_KEY": "dev-only"})))


def test_error_pages_are_the_products_own_in_russian(world, enter):
    from django.template.loader import render_to_string

    assert "Что-то пошло не так" in render_to_string("500.html")
    assert "Неверный запрос" in render_to_string("400.html")
    assert "Страница не найдена" in enter(host=world.a.host).get("/no-such-page/").content.decode()


def test_no_environment_lets_production_push_to_this_machine():
    env = production_env(S3_BUCKET=BUCKET, PUSH_LOOPBACK_FOR_TESTS="True")
    assert production_settings(env).PUSH_LOOPBACK_FOR_TESTS is False
    # The test run's own settings (which do) would not start with DEBUG off.
    assert "PUSH_LOOPBACK_FOR_TESTS" in "; ".join(problems(settings))


@pytest.mark.parametrize(
    "start", [["-c", "import config.wsgi"], ["-m", "celery", "-A", "config", "worker", "--pool", "solo"]]
)
def test_each_serving_or_sending_process_refuses_such_settings(start):
    """The refusals above, in the processes that serve (gunicorn imports config.wsgi) and send."""
    env = production_env(S3_BUCKET=BUCKET, SECRET_KEY="dev-only-secret-change-me")
    result = subprocess.run(
        [sys.executable, *start], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr, (start, result.stderr[-2000:])


def test_production_settings_that_are_complete_start():
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi; print('started')"],
        cwd=settings.BASE_DIR,
        env=production_env(S3_BUCKET=BUCKET),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "started", result.stderr[-2000:]


def test_new_pods_wait_until_every_school_schema_has_the_releases_migrations(world, db):
    from django.db import connection

    from tenants.management.commands.wait_for_migrations import unmigrated_schemas

    assert unmigrated_schemas() == []
    schema = world.suspended.schema_name  # a school behind: its last migration not yet applied
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE id = (SELECT max(id) FROM "{schema}".django_migrations)'
        )
    assert unmigrated_schemas() == [schema]
