"""A schema fuzzer (schemathesis) walks every operation of /api/schema/ as a teacher, a deputy,
a parent and a district official, with valid and invalid input: the API never answers with a
server error and every answer matches the schema it publishes (status, content type, body).

Bounded: a fixed number of examples per operation, mode and role (FUZZ_EXAMPLES: `make test` runs
a few, enough to reach every operation in both modes for every role; `make test-deep` runs 40) and a
fixed seed (hypothesis derandomized), so a run takes the same time and finds the same things every time."""

import json
import os
from contextlib import contextmanager

import pytest
import schemathesis
import werkzeug
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))  # per operation, mode and role
CSRF = "f" * 32
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@contextmanager
def in_this_transaction():
    """Requests to the real WSGI application stay in this test's transaction: Django would close
    the test's connection at each request's start and end (the test client avoids it the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz(enter, user, host):
    client = enter(user, host)
    schema_dict = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    schema = schemathesis.openapi.from_dict(schema_dict)
    schema.app = get_wsgi_application()  # answered in process, through every middleware
    browser = werkzeug.Client(schema.app)
    for name, morsel in client.cookies.items():
        browser.set_cookie(name, morsel.value, domain=host)
    browser.set_cookie("csrftoken", CSRF, domain=host)
    signed_in = {"session": browser, "base_url": f"http://{host}", "headers": {"X-CSRFToken": CSRF}}
    failures = {}
    with in_this_transaction():
        for result in schema.get_all_operations():
            run_operation(result.ok(), signed_in, failures)
    return list(failures.values())


def run_operation(operation, signed_in, failures):
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

        @hypothesis_settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(**signed_in)
            try:
                case.validate_response(response, checks=CHECKS)
            except BaseExceptionGroup as errors:  # collected: one run reports every operation that fails
                kinds = "; ".join(" ".join(str(e).split())[:400] for e in errors.exceptions)
                if (case.method, case.path, response.status_code, kinds) not in failures:  # one of a kind
                    failures[(case.method, case.path, response.status_code, kinds)] = (
                        f"{case.method} {case.formatted_path} {case.query} {str(case.body)[:100]}"
                        f" -> {response.status_code} {response.text[:200]}: {kinds}"
                    )

        run()


@pytest.mark.parametrize("who", ["teacher", "deputy", "parent", "official"])
def test_the_api_answers_every_input_with_its_schema_and_never_a_server_error(world, enter, who):
    user, host = {
        "teacher": (world.a.class_teacher, world.a.host),
        "deputy": (world.a.deputy, world.a.host),
        "parent": (world.parent, "localhost"),
        "official": (world.official, "localhost"),
    }[who]
    failures = fuzz(enter, user, host)
    assert failures == [], "\n".join(failures)
