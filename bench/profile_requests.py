"""Where one request's time goes: a teacher's mark POST or a parent's week page, in one process
with production settings, against the synthetic district (bench/district.py).

    python bench/profile_requests.py mark|diary [--requests 150]

Prints the statements of one request, cProfile's top functions (by cumulative time unless --sort tottime) (the profiler
roughly doubles every figure), and the milliseconds per request without it."""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import serving_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=["mark", "diary"])
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative or tottime")
    options = parser.parse_args()
    os.environ.update(serving_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.load import diary_clients, mark_clients

    settings.ALLOWED_HOSTS = ["*"]
    found = (mark_clients if options.which == "mark" else diary_clients)(1)[0]
    client = Client(HTTP_HOST=found["host"])
    client.cookies["sessionid"] = found["session"]
    requests = found["requests"] * (1 if options.which == "mark" else options.requests + 30)

    def run(count, start=0):
        for method, path, body in requests[start : start + count]:
            answer = client.post(path, body, content_type="application/json") if method == "POST" else client.get(path)
            assert answer.status_code in (200, 201), (answer.status_code, answer.content[:300])

    run(10)
    statements = []

    def timed(execute, sql, params, many, context):  # each statement's round trip, to the microsecond
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed):
        run(1, 10)
    print(
        f"statements in one request: {len(statements)}, {sum(s for s, _ in statements) * 1000:.1f} ms waiting for them"
    )
    for seconds, sql in statements:
        print(f"  {seconds * 1000:6.2f} ms", sql[:110])
    profile = cProfile.Profile()
    profile.enable()
    run(options.requests, 11)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(options.sort).print_stats(options.lines)
    print(out.getvalue())
    started = time.perf_counter()
    run(options.requests // 2, 11 + options.requests)
    print(
        f"ms per request without the profiler: {(time.perf_counter() - started) / (options.requests // 2) * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
