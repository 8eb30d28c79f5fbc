"""Logs and error reports name the school; settings come from the environment."""

import io
import json
import logging
import os
from contextlib import contextmanager

import sentry_sdk
from django_tenants.utils import schema_context
from sentry_sdk.transport import Transport

from config.logs import JsonFormatter, SchoolFilter
from tests.conftest import production_settings


@contextmanager
def json_lines(logger_name):
    """The lines a logger writes while inside, as the production handler formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SchoolFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    lines = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        lines += [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_log_line_is_json_and_names_the_school(world):
    with json_lines("tests.school") as lines, schema_context(world.a.school.schema_name):
        logging.getLogger("tests.school").warning("отметка сохранена")
    assert [(line["school"], line["message"]) for line in lines] == [("school_school_a", "отметка сохранена")]


def test_a_refused_request_is_logged_with_its_school(world, enter):
    with json_lines("django.request") as lines:
        enter(world.b.teacher, world.b.host).post("/api/v1/marks/", {}, content_type="application/json")
    assert [(line["school"], line["message"]) for line in lines] == [("school_school_b", "Bad Request: /api/v1/marks/")]


class KeptEvents(Transport):
    def __init__(self, events):
        super().__init__()
        self.events = events

    def capture_envelope(self, envelope):
        self.events.append(envelope.get_event())


def test_an_error_report_is_tagged_with_the_school(world, enter):
    events = []
    sentry_sdk.init(dsn="http://key@127.0.0.1:9/1", transport=KeptEvents(events), default_integrations=False)
    try:
        enter(host=world.b.host).get("/login/")
        sentry_sdk.capture_message("probe")
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a disabled client
    assert events and events[0]["tags"]["school"] == "school_school_b"


def test_settings_come_from_the_environment_with_safe_defaults():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "BASE_DOMAIN")}
    production = production_settings(env)
    assert (
        production.DEBUG,
        production.BASE_DOMAIN,
        production.LANGUAGE_CODE,
        production.PASSWORD_HASHERS[0].rsplit(".", 1)[1],
        production.TENANT_LIMIT_SET_CALLS,  # one SET search_path a request (tests/test_tenancy.py)
    ) == (False, "localhost", "ru", "Argon2PasswordHasher", True)
    assert production_settings(env | {"BASE_DOMAIN": "edu.example.ru"}).BASE_DOMAIN == "edu.example.ru"


def test_russian_by_default_and_english_on_request(world, enter):
    browser = enter(host=world.a.host)
    assert "Вход в электронный журнал" in browser.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in to the electronic journal" in browser.get("/login/").content.decode()


def test_with_redis_unreachable_the_cache_misses_and_warns_once_instead_of_failing(caplog):
    from groundwork import caches
    from tests.conftest import free_port

    nobody = caches.FailOpenRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    caches.unreachable.warned_at = -caches.WARN_EVERY
    with caplog.at_level(logging.WARNING, logger="groundwork.caches"):
        assert nobody.set("handoff:1", 7, 60) is None
        assert nobody.add("handoff:2", 7, 60) is False
        assert nobody.get("handoff:1") is None and nobody.get("handoff:1", "none") == "none"
        assert nobody.get_many(["a", "b"]) == {} and nobody.delete("handoff:1") is False
    assert [r.message.startswith("Redis unreachable") for r in caplog.records] == [True]
