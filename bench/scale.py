"""A region's number of schools on one PostgreSQL server (docs/scaling.md): N empty schools
created one after another, then what grows with N.

    python bench/scale.py --schools 1000

Measured: creating a school early and late; the catalog and the database's size; a no-op
`migrate_schemas`; PostgreSQL's memory for a connection that has touched every school (a Celery
worker after a night of per-school tasks) and for one that touched one; the minute's sweep with
nothing waiting and the nightly dispatcher (what it queues at once, the pause between its batches,
the time to send every batch); with every school's figures for last month, the district's pages
(sorted and filtered by an indicator) and its monthly reports (made, and opened as PDF and XLSX); with --new-migration, one new migration applied to every school by the
multiprocessing executor. In a scratch database (dropped afterwards); tasks go to a Redis database of
their own, emptied afterwards. Prints a JSON object."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import manage, scratch_database, summary, temporary_migration  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--new-migration", action="store_true", help="also apply one new migration to every school")
    options = parser.parse_args()
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/9"
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["TWO_FACTOR_REQUIRED"] = "False"  # the pages are measured, not the sign-in
    with scratch_database() as env:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        import psycopg
        import redis
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django_tenants.utils import schema_context

        from accounts import services as accounts
        from accounts.models import Role
        from monitoring.models import NAMES, Report, SchoolMonth
        from monitoring.reports import previous_month
        from monitoring.tasks import dispatch_school_months, monthly_reports
        from notifications.tasks import sweep_notifications
        from tenants.models import School
        from tenants.services import create_school
        from tenants.tasks import send_batch

        call_command("migrate_schemas", shared=True, verbosity=0)
        created = []
        for n in range(options.schools):
            seconds, school = timed(
                lambda n=n: create_school(name=f"Школа {n}", short_name=f"Школа {n}", slug=f"s{n:04d}")
            )
            created.append(seconds)
            if (n + 1) % 100 == 0:
                print(f"{n + 1} schools, last {seconds:.2f} s", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class")
            relations = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        migrate = manage("migrate_schemas", "--tenant", "-v", "0", env=env)

        def memory(schemas):
            """PostgreSQL's memory for one connection after reading a table in each of these schemas."""
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'SET search_path = "{schema}", public')
                    conn.execute("SELECT count(*) FROM journal_lesson JOIN journal_mark ON false").fetchone()
                return int(conn.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts").fetchone()[0])

        schemas = [f"school_s{n:04d}" for n in range(options.schools)]
        one, every = memory(schemas[:1]), memory(schemas)
        queue = redis.Redis.from_url(broker)
        queue.flushdb()
        sweep = timed(sweep_notifications)
        nightly = timed(dispatch_school_months)
        queued = {}
        for key in queue.scan_iter():
            if queue.type(key) == b"list":
                for message in queue.lrange(key, 0, -1):
                    headers = json.loads(message)["headers"]
                    queued.setdefault(headers["task"], []).append(headers.get("eta"))
        queue.flushdb()
        # Every batch of one month's dispatch, one after another here (the chain's pauses left out).
        ids = list(School.objects.working().order_by("pk").values_list("pk", flat=True))
        batch = settings.FAN_OUT_BATCH
        month = previous_month()
        whole = timed(
            lambda: sum(
                send_batch.run(
                    "monitoring.tasks.update_school_month", [month.isoformat()], 30, ids[i - 1] if i else 0, 0
                )
                for i in range(0, len(ids), batch)
            )
        )
        queue.flushdb()
        # Every school's figures for last month, as their nightly tasks would have reported them.
        SchoolMonth.objects.bulk_create(
            SchoolMonth(school_id=pk, month=month, code=code, numerator=(pk * 7 + i) % 51, denominator=50)
            for pk in ids
            for i, code in enumerate(NAMES)
        )
        official = accounts.create_person(
            accounts.NewAccount(last_name="Чиновникова", first_name="Ольга", email="official@scale.test")
        )
        accounts.add_membership(official, None, Role.DISTRICT_OFFICIAL)
        settings.ALLOWED_HOSTS = ["*"]
        client = Client(HTTP_HOST=settings.BASE_DOMAIN)
        client.force_login(official, backend="accounts.backends.IdentifierBackend")
        pages = {}
        quality = f"/district/quality/?month={month:%Y-%m}"
        for path in (
            "/district/",
            quality,
            f"{quality}&sort=Q1&order=desc",
            f"{quality}&show=red&sort=Q4&page=3",
            "/district/quality/reports/",
        ):
            client.get(path)
            runs = []
            for _ in range(5):
                seconds, answer = timed(lambda path=path: client.get(path))
                assert answer.status_code == 200, (path, answer.status_code)
                runs.append(seconds)
            pages[path] = {**summary(runs), "bytes": len(answer.content)}
        with schema_context("public"):
            report = timed(monthly_reports)[0]
        district_report = Report.objects.get(kind=Report.Kind.QUALITY, school__isnull=True, starts_on=month)
        for kind in ("pdf", "xlsx"):
            path = f"/district/quality/reports/{district_report.pk}.{kind}"
            seconds, answer = timed(lambda path=path: client.get(path))
            assert answer.status_code == 200, (path, answer.status_code)
            pages[path.replace(str(district_report.pk), "<id>")] = {
                "seconds": seconds,
                "bytes": len(b"".join(answer.streaming_content) if answer.streaming else answer.content),
            }
        applied = None
        if options.new_migration:
            path = temporary_migration("9000_bench_scale", "bench_scale_note")
            try:
                connection.close()
                applied = manage("migrate_schemas", "--tenant", "--executor=multiprocessing", "-v", "0", env=env)
            finally:
                path.unlink(missing_ok=True)
    print(
        json.dumps(
            {
                "schools": options.schools,
                "create_first_100": summary(created[1:101]),
                "create_last_100": summary(created[-100:]),
                "create_all_s": sum(created),
                "catalog_relations": relations,
                "database_bytes": size,
                "migrate_nothing_to_do_s": migrate,
                "backend_bytes_one_school": one,
                "backend_bytes_every_school": every,
                "sweep_nothing_waiting": {"seconds": sweep[0], "tasks": sweep[1]},
                "nightly_dispatch": {
                    "seconds": nightly[0],
                    "tasks_sent_at_once": nightly[1],
                    "queued": {name: len(etas) for name, etas in queued.items()},
                    "batch": batch,
                    "window_s": settings.FAN_OUT_WINDOW,
                    "pause_s": settings.FAN_OUT_WINDOW * batch / len(ids) if len(ids) > batch else None,
                    "every_batch_of_one_month": {"seconds": whole[0], "tasks": whole[1]},
                },
                "district_pages": pages,
                "district_monthly_reports_s": report,
                "new_migration_multiprocessing_s": applied,
                "migration_processes": settings.TENANT_MULTIPROCESSING_MAX_PROCESSES,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
