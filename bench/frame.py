"""What a signed-in request costs before its own work: the product's whole stack against bare
Django (session and authentication middleware only) doing the same read, in one process,
interleaved so that both see the same machine.

    python bench/frame.py [--requests 2000] [--profile]

The read is a teacher's GET /api/v1/bells/ (a few rows) and a parent's week page; the bare
floor reads the same bells with Django's session and user lookups and nothing else. CPU time of
this process per request (PostgreSQL's own time is not in it), the statements each request
sends, and with --profile cProfile's top functions of the product's bells request. Prints JSON."""

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
    connection.set_schema(request.META["BENCH_SCHEMA"])
    try:
        rows = list(Bell.objects.values("number", "starts_at", "ends_at"))
    finally:
        connection.set_schema_to_public()
    return JsonResponse({"results": rows}, json_dumps_params={"default": str})


class Handlers:
    """The product's WSGI handler and bare Django's, built once each."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler
        from django.test.utils import override_settings
        from django.urls import path

        self.product = WSGIHandler()
        urls = type("urls", (), {"urlpatterns": [path("bells/", bare_bells)]})
        sys.modules["bench_frame_urls"] = urls

        class Bare(WSGIHandler):
            def get_response(self, request):
                request.urlconf = "bench_frame_urls"
                return super().get_response(request)

        with override_settings(MIDDLEWARE=BARE_MIDDLEWARE):
            self.bare = Bare()


def environ(host, path, session, **extra):
    from django.test.client import RequestFactory

    return RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_HOST=host, HTTP_COOKIE=f"sessionid={session}", **extra
    )


def call(handler, env, expected=200):
    status = []
    body = handler(dict(env), lambda s, h, *a: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    assert status[0].startswith(str(expected)), (status, b"".join(body)[:200])


def cpu_per_request(runs, rounds=20):
    """Interleaved rounds of every run; per run the median over rounds of CPU ms per request."""
    per = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (handler, env, count) in runs.items():
            started = time.process_time()
            for _ in range(count):
                call(handler, env)
            per[name].append((time.process_time() - started) / count * 1000)
    return {name: statistics.median(values) for name, values in per.items()}


def statements_of(handler, env):
    from django.db import connection

    sent = []
    with connection.execute_wrapper(lambda execute, sql, *a: sent.append(sql) or execute(sql, *a)):
        call(handler, env)
    return sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="per kind of request, over 20 rounds")
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    os.environ.update(serving_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.load import diary_clients, mark_clients

    settings.ALLOWED_HOSTS = ["*"]
    teacher, parent = mark_clients(1)[0], diary_clients(1)[0]
    handlers = Handlers()
    bells = environ(teacher["host"], "/api/v1/bells/", teacher["session"], HTTP_ACCEPT="application/json")
    floor = environ(teacher["host"], "/bells/", teacher["session"], BENCH_SCHEMA=teacher["schema"])
    week = environ(parent["host"], parent["requests"][0][1], parent["session"])
    per_round = max(1, options.requests // 20)
    for handler, env in ((handlers.product, bells), (handlers.bare, floor), (handlers.product, week)):
        for _ in range(20):
            call(handler, env)
    cpu = cpu_per_request(
        {
            "bare_django_bells": (handlers.bare, floor, per_round),
            "product_bells": (handlers.product, bells, per_round),
            "product_week": (handlers.product, week, max(1, per_round // 10)),
        }
    )
    result = {
        "cpu_ms_per_request": cpu,
        "frame_over_bare": cpu["product_bells"] / cpu["bare_django_bells"],
        "statements": {
            "bare_django_bells": statements_of(handlers.bare, floor),
            "product_bells": statements_of(handlers.product, bells),
            "product_week": statements_of(handlers.product, week),
        },
    }
    if options.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(per_round):
            call(handlers.product, bells)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue(), file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
