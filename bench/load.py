"""Concurrent load against gunicorn on the synthetic district (bench/district.py):

- mark entry: teachers POST /api/v1/marks/ at their school's address, each mark going through
  the service with its audit entry and its notification (outbox) row;
- the parent diary: parents GET their child's week on the portal, each view recorded;
- the smallest API read (the school's bells), for what the framework costs by itself;
- the floors (bench/floors.py): the same writes and reads in bare psycopg.

    python bench/load.py --clients 32 --seconds 20

Closed loop first: every client sends its next request when the previous one is answered, so
the latency includes the wait for a free gunicorn worker (clients / throughput on average).
Then an open loop at 70 % of that throughput, for the latency of a request that does not queue.
Prints a JSON object."""

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.floors import mark_floor, week_floor  # noqa: E402
from bench.provisioning import percentile, serving_env  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sign_in(user, host):
    """A session cookie for `user` at `host`, made the way Django's test client does."""
    from django.test import Client

    client = Client(HTTP_HOST=host)
    client.force_login(user, backend="accounts.backends.IdentifierBackend")
    return client.cookies["sessionid"].value


def mark_clients(count):
    """Per client: a teacher of one of the schools, a session, and the cells they may fill in."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from accounts.models import User
    from journal.models import Lesson, Pupil, Term, WorkType
    from tenants.models import School

    schools = list(School.objects.exclude(schema_name="public").order_by("slug"))
    today = timezone.localdate()
    clients = []
    for n in range(count):
        school = schools[n % len(schools)]
        with schema_context(school.schema_name):
            term = Term.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
            teachers = list(
                Lesson.objects.filter(term=term).order_by("teacher_id").values_list("teacher_id", flat=True).distinct()
            )
            # The next teacher with lessons that take marks (a first grade's are without them).
            for step in range(len(teachers)):
                teacher = teachers[(n // len(schools) + step) % len(teachers)]
                lessons = [
                    lesson
                    for lesson in Lesson.objects.filter(
                        term=term,
                        teacher_id=teacher,
                        date__lte=today,
                        taught_by__isnull=True,
                        cancelled_at__isnull=True,
                        subgroup__isnull=True,
                    ).select_related("subject", "school_class")[:60]
                    if lesson.subject.is_marked_in(lesson.school_class.grade)
                ][:20]
                if lessons:
                    break
            pupils = {
                c: list(Pupil.objects.filter(school_class_id=c).values_list("pk", flat=True))
                for c in {lesson.school_class_id for lesson in lessons}
            }
            work_type = WorkType.objects.order_by("weight").first().pk
        cells = [(lesson.pk, pupil) for lesson in lessons for pupil in pupils[lesson.school_class_id]]
        clients.append(
            {
                "host": school.host,
                "schema": school.schema_name,
                "cell": {"lesson": cells[0][0], "pupil": cells[0][1], "work_type": work_type, "teacher": teacher},
                "session": sign_in(User.objects.get(pk=teacher), school.host),
                "requests": [
                    (
                        "POST",
                        "/api/v1/marks/",
                        json.dumps({"lesson": lesson, "pupil": pupil, "value": "4", "work_type": work_type}),
                    )
                    for lesson, pupil in cells
                ],
            }
        )
    return clients


def diary_clients(count):
    """Per client: a parent of one of the schools, a portal session and their child's week."""
    from django.conf import settings
    from django_tenants.utils import schema_context

    from accounts.models import User
    from journal.models import Guardian
    from journal.selectors import monday_of
    from tenants.models import School

    schools = list(School.objects.exclude(schema_name="public").order_by("slug"))
    clients = []
    for n in range(count):
        school = schools[n % len(schools)]
        with schema_context(school.schema_name):
            guardian = (
                Guardian.objects.filter(consent_at__isnull=False).select_related("pupil__school_class").order_by("pk")
            )[n // len(schools)]
        session = sign_in(User.objects.get(pk=guardian.user_id), settings.BASE_DOMAIN)
        clients.append(
            {
                "host": settings.BASE_DOMAIN,
                "schema": school.schema_name,
                "reader": {
                    "session": session,
                    "user": guardian.user_id,
                    "pupil": guardian.pupil_id,
                    "class": guardian.pupil.school_class_id,
                    "year": guardian.pupil.school_class.year_id,
                    "monday": monday_of(None),
                },
                "session": session,
                "requests": [("GET", f"/children/{school.slug}/{guardian.pupil_id}/", None)],
            }
        )
    return clients


def cpu_seconds(names):
    """CPU time used so far by each process with one of these names, by pid (from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
        except (OSError, IndexError):
            continue
        if name in names:
            values = fields[1].split()
            found[stat.parent.name] = (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return found


def cpu_used(before, names):
    """CPU time since `before`; a process that ended meanwhile is left out (so this is a floor)."""
    return sum(seconds - before.get(pid, 0) for pid, seconds in cpu_seconds(names).items())


def run_load(port, clients, seconds, warmup, expected, rate=None):
    """Each client in its own thread, cycling through its requests: as fast as answered, or, with
    `rate`, all clients together sending that many requests a second (an open loop, to see the
    latency below saturation). Returns the latencies and statuses of the requests answered
    inside the measured window."""
    start = time.perf_counter() + warmup
    interval = len(clients) / rate if rate else 0
    stop = start + seconds
    results, completed, lock = [], [0], threading.Lock()

    def client(spec, offset):
        csrf = secrets.token_hex(16)
        headers = {
            "Host": spec["host"],
            "Cookie": f"sessionid={spec['session']}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Accept": "application/json",
            **spec.get("headers", {}),
        }
        mine, n = [], 0
        due = time.perf_counter() + offset * interval / len(clients)
        while time.perf_counter() < stop:
            if interval:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += interval
            method, path, body = spec["requests"][n % len(spec["requests"])]
            n += 1
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            sent = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            answered = time.perf_counter()
            connection.close()
            if sent >= start and answered <= stop:
                mine.append((answered - sent, response.status))
        with lock:
            results.extend(mine)
            completed[0] += n

    threads = [threading.Thread(target=client, args=(spec, offset)) for offset, spec in enumerate(clients)]
    cpu = time.process_time()
    names = {"gunicorn": {"gunicorn"}, "postgres": {"postgres", "postmaster"}}
    servers = {name: cpu_seconds(names[name]) for name in names}
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu
    servers = {name: cpu_used(before, names[name]) for name, before in servers.items()}
    latencies = [seconds_ for seconds_, status in results if status == expected]
    errors = {}
    for _seconds, status in results:
        if status != expected:
            errors[status] = errors.get(status, 0) + 1
    return {
        "clients": len(clients),
        "rate": rate,
        "seconds": seconds,
        "answered": len(results),
        "ok": len(latencies),
        "errors": errors,
        "throughput_per_s": len(latencies) / seconds,
        # The load generator shares the two cores with gunicorn and PostgreSQL: its own CPU time.
        "client_cpu_s_per_request": cpu / completed[0],
        "gunicorn_cpu_s_per_request": servers["gunicorn"] / completed[0],
        "postgres_cpu_s_per_request": servers["postgres"] / completed[0],
        "median_s": statistics.median(latencies) if latencies else None,
        "p95_s": percentile(latencies, 0.95) if latencies else None,
    }


def start_gunicorn(port, workers, broker, threads=1, app="config.wsgi"):
    env = serving_env(
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        CELERY_BROKER_URL=broker,
    )  # the write limit as in production (600 a minute a person): each client is another teacher
    process = subprocess.Popen(
        # --threads above 1 makes gunicorn's worker class gthread (the command line wins over the file).
        [str(Path(sys.executable).parent / "gunicorn"), app, "-c", "deploy/gunicorn.conf.py"]
        # Workers are not replaced after 2,000 requests here: a replaced worker's CPU time would go uncounted.
        + ["--threads", str(threads), "--max-requests", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not answer /healthz in 30 s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="per worker; above 1 the worker class is gthread")
    parser.add_argument("--floor-runs", type=int, default=1000, help="bare transactions for the floors")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Notifications are queued to a broker database of their own, emptied afterwards.
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/8"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from audit.models import AuditEntry, DataView
    from journal.models import Mark
    from notifications.models import Notification
    from tenants.models import School

    marks_clients, parents = mark_clients(options.clients), diary_clients(options.clients)
    connection.close()
    port = free_port()
    server = start_gunicorn(port, options.workers, broker, options.threads)
    began = timezone.now()
    try:
        marks = run_load(port, marks_clients, options.seconds, options.warmup, expected=201)
        diary = run_load(port, parents, options.seconds, options.warmup, expected=200)
        # The framework's floor: the same teachers asking for the school's bells (a few rows) through the
        # same middleware (session, person, memberships, two-factor, throttling) and DRF.
        bells = [{**spec, "requests": [("GET", "/api/v1/bells/", None)]} for spec in marks_clients]
        smallest = run_load(port, bells, options.seconds, options.warmup, expected=200)
        # Below saturation: 70 % of the throughput just measured, sent at a steady rate.
        marks_paced = run_load(
            port, marks_clients, options.seconds, options.warmup, expected=201, rate=marks["throughput_per_s"] * 0.7
        )
        diary_paced = run_load(
            port, parents, options.seconds, options.warmup, expected=200, rate=diary["throughput_per_s"] * 0.7
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    # The floor of the smallest read: bare Django (stock sessions and authentication, one view)
    # under the same gunicorn, the same teachers reading the same bells.
    from bench.frame import stock_session

    bare_bells = [
        {
            **spec,
            "session": stock_session(spec["cell"]["teacher"]),
            "headers": {"X-Bench-Schema": spec["schema"]},
            "requests": [("GET", "/bells/", None)],
        }
        for spec in marks_clients
    ]
    connection.close()
    server = start_gunicorn(port, options.workers, broker, options.threads, app="bench.bare_wsgi")
    try:
        bare_smallest = run_load(port, bare_bells, options.seconds, options.warmup, expected=200)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Every mark written in the run has its audit entry and, when the pupil has a parent, its outbox row.
    written = {"marks": 0, "audit_entries": 0, "notifications": 0, "diary_views": 0}
    for school in School.objects.exclude(schema_name="public"):
        with schema_context(school.schema_name):
            new_marks = Mark.objects.filter(entered_at__gte=began)
            written["marks"] += new_marks.count()
            written["audit_entries"] += AuditEntry.objects.filter(action="mark.created", at__gte=began).count()
            written["notifications"] += Notification.objects.filter(kind="mark", created_at__gte=began).count()
            written["diary_views"] += DataView.objects.filter(at__gte=began, page__startswith="diary.").count()
    import redis

    redis.Redis.from_url(broker).flushdb()

    def postgres_cpu():
        return sum(cpu_seconds({"postgres", "postmaster"}).values())

    url = os.environ["DATABASE_URL"]
    floors = {
        "mark": mark_floor(url, marks_clients[0]["schema"], marks_clients[0]["cell"], options.floor_runs, postgres_cpu),
        "week": week_floor(url, parents[0]["schema"], parents[0]["reader"], options.floor_runs // 4, postgres_cpu),
    }
    for name, run_ in (("mark", marks), ("week", diary)):
        # Server CPU per request (gunicorn and PostgreSQL) over the floor's (client and PostgreSQL).
        server = run_["gunicorn_cpu_s_per_request"] + run_["postgres_cpu_s_per_request"]
        floors[name]["server_over_floor"] = server * 1000 / floors[name]["cpu_ms"]
    print(
        json.dumps(
            {
                "workers": options.workers,
                "threads": options.threads,
                "mark_entry": marks,
                "parent_diary": diary,
                "smallest_api_read": smallest,
                "bare_django_read": bare_smallest,
                "mark_entry_at_70_percent": marks_paced,
                "parent_diary_at_70_percent": diary_paced,
                "written": written,
                "floors": floors,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
