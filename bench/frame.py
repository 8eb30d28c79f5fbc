"""What a signed-in request costs before its own work: the product's whole stack against bare
Django (session and authentication middleware only) doing the same read, in one process,
interleaved so that both see the same machine.

    python bench/frame.py [--requests 2000] [--profile [tottime]]

The read is a teacher's GET /api/v1/bells/ (a few rows); the bare floor reads the same bells
with stock Django's database sessions and ModelBackend (not the product's own plain-SQL ones)
and nothing else. Beside them a parent's week page (from the cache, and missing it) and a
teacher's mark through the API. CPU
time of this process per request (PostgreSQL's own time is not in it), the statements each
request sends, and with --profile cProfile's top functions of each. Prints JSON."""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import serving_env  # noqa: E402

BARE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def bare_bells(request):
    """The floor's view: the signed-in person's school's bells, as JSON, with nothing around it."""
    from django.db import connection
    from django.http import HttpResponseForbidden, JsonResponse

    from journal.models import Bell

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    connection.set_schema(request.headers["X-Bench-Schema"])
    try:
        rows = list(Bell.objects.values("number", "starts_at", "ends_at"))
    finally:
        connection.set_schema_to_public()
    return JsonResponse({"results": rows}, json_dumps_params={"default": str})


STOCK_BACKEND = "django.contrib.auth.backends.ModelBackend"


def bare_handler():
    """Bare Django's WSGI handler: stock database sessions and authentication, one view."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpResponse
    from django.test.utils import override_settings
    from django.urls import path

    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, STOCK_BACKEND]
    alive = path("healthz", lambda request: HttpResponse("alive"))  # what bench/load.py waits for
    sys.modules["bench_frame_urls"] = type("urls", (), {"urlpatterns": [path("bells/", bare_bells), alive]})

    class Bare(WSGIHandler):
        def get_response(self, request):
            request.urlconf = "bench_frame_urls"
            return super().get_response(request)

    with override_settings(MIDDLEWARE=BARE_MIDDLEWARE, SESSION_ENGINE="django.contrib.sessions.backends.db"):
        return Bare()


def stock_session(user_id):
    """A session as stock Django signs a person in: database sessions, ModelBackend."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user_id),
            BACKEND_SESSION_KEY: STOCK_BACKEND,
            HASH_SESSION_KEY: User.objects.get(pk=user_id).get_session_auth_hash(),
        }
    )
    session.create()
    return session.session_key


def environ(host, path, session, method="GET", cookies="", **extra):
    from django.test.client import RequestFactory

    return RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD=method, HTTP_HOST=host, HTTP_COOKIE=f"sessionid={session}{cookies}", **extra
    )


def posting(host, path, session, bodies):
    """Environments of JSON POSTs, one body after another (a WSGI input is read once)."""
    from itertools import cycle

    from django.test.client import FakePayload

    bodies, csrf = cycle(bodies), "b" * 32

    def env():
        body = next(bodies).encode()
        return environ(
            host,
            path,
            session,
            "POST",
            f"; csrftoken={csrf}",
            HTTP_X_CSRFTOKEN=csrf,
            HTTP_ACCEPT="application/json",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
            **{"wsgi.input": FakePayload(body)},
        )

    return env


def call(handler, env, expected=200):
    status = []
    body = handler(env() if callable(env) else dict(env), lambda s, h, *a: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    assert status[0].startswith(str(expected)), (status, b"".join(body)[:200])


def missing_the_cache(handler):
    """The handler, with the cache emptied before each request: the week as a miss (a FLUSHDB more)."""
    from django.core.cache import cache

    def handle(env, start_response):
        cache.clear()
        return handler(env, start_response)

    return handle


def cpu_per_request(runs, rounds=20):
    """Interleaved rounds of every run; per run the median over rounds of CPU ms per request."""
    per = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (handler, env, count, *expected) in runs.items():
            started = time.process_time()
            for _ in range(count):
                call(handler, env, *expected)
            per[name].append((time.process_time() - started) / count * 1000)
    return {name: statistics.median(values) for name, values in per.items()}


def statements_of(handler, env, expected=200):
    """What one request sends in the steady state (after one like it)."""
    from django.db import connection

    call(handler, env, expected)
    sent = []
    with connection.execute_wrapper(lambda execute, sql, *a: sent.append(sql) or execute(sql, *a)):
        call(handler, env, expected)
    return sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="per kind of request, over 20 rounds")
    parser.add_argument("--profile", nargs="?", const="cumulative", help="cProfile's top functions, by this order")
    options = parser.parse_args()
    os.environ.update(serving_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.load import diary_clients, mark_clients

    settings.ALLOWED_HOSTS = ["*"]
    teacher, parent = mark_clients(1)[0], diary_clients(1)[0]
    from django.core.handlers.wsgi import WSGIHandler

    product, bare = WSGIHandler(), bare_handler()
    bells = environ(teacher["host"], "/api/v1/bells/", teacher["session"], HTTP_ACCEPT="application/json")
    floor_session = stock_session(teacher["cell"]["teacher"])
    floor = environ(teacher["host"], "/bells/", floor_session, HTTP_X_BENCH_SCHEMA=teacher["schema"])
    week = environ(parent["host"], parent["requests"][0][1], parent["session"])
    # The product's marks: the load's teacher entering marks through the API, each with its audit
    # entry and notices (written to the bench's database, as bench/load.py's are).
    marks = posting(teacher["host"], "/api/v1/marks/", teacher["session"], [body for *_, body in teacher["requests"]])
    per_round = max(1, options.requests // 20)
    for handler, env, expected in (
        (product, bells, 200),
        (bare, floor, 200),
        (product, week, 200),
        (product, marks, 201),
    ):
        for _ in range(20):
            call(handler, env, expected)
    cpu = cpu_per_request(
        {
            "bare_django_bells": (bare, floor, per_round),
            "product_bells": (product, bells, per_round),
            "product_week": (product, week, max(1, per_round // 10)),
            "product_week_missed": (missing_the_cache(product), week, max(1, per_round // 10)),
            "product_mark": (product, marks, max(1, per_round // 5), 201),
        }
    )
    result = {
        "cpu_ms_per_request": cpu,
        "frame_over_bare": cpu["product_bells"] / cpu["bare_django_bells"],
        "statements": {
            "bare_django_bells": statements_of(bare, floor),
            "product_bells": statements_of(product, bells),
            "product_week": statements_of(product, week),
            "product_mark": statements_of(product, marks, 201),
        },
    }
    if options.profile:
        for name, env, expected in (("bells", bells, 200), ("week", week, 200), ("mark", marks, 201)):
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(50):
                call(product, env, expected)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(options.profile).print_stats(120)
            print(f"== {name}, 50 requests", out.getvalue(), file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
