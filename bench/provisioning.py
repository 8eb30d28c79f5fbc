"""Provisioning costs, measured in a scratch database that is dropped afterwards:
creating schools (the first in a process, then the next ones), and applying one new migration
to every school.

    python bench/provisioning.py --schools 50

Prints a JSON object; `bench/run.py` turns it into rows of docs/benchmarks.md."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "journal" / "migrations"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(seconds):
    return {
        "n": len(seconds),
        "median_s": statistics.median(seconds),
        "p95_s": percentile(seconds, 0.95),
        "total_s": sum(seconds),
    }


def manage(*args, env):
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def serving_env(**extra):
    """The environment of a gunicorn or Celery process under measurement: production settings
    (DEBUG off), which refuse to start without a sending mail host, shared file storage and the
    base domain (config/production.py); here they are this machine's."""
    return {
        **os.environ,
        "DEBUG": "False",
        "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": os.environ.get("EMAIL_HOST", "127.0.0.1"),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", str(ROOT / "var" / "media")),
        "BASE_DOMAIN": os.environ.get("BASE_DOMAIN", "localhost"),
        **extra,
    }


@contextmanager
def scratch_database():
    """A database of its own with the public schema migrated, dropped afterwards. Inside,
    DATABASE_URL names it, for this process and the ones it starts; yields their environment."""
    base = os.environ.get("DATABASE_URL", "postgresql:///ejournal")
    server, name = base.rsplit("/", 1)[0], f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": f"{server}/{name}", "LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    try:
        manage("migrate_schemas", "--shared", "-v", "0", env=env)
        yield env
    finally:
        os.environ["DATABASE_URL"] = base
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def temporary_migration(name, field):
    """A new, additive migration, as a release would bring: one nullable column."""
    previous = sorted(p.stem for p in MIGRATIONS.glob("[0-9]*.py"))[-1]
    path = MIGRATIONS / f"{name}.py"
    path.write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('journal', '{previous}')]\n"
        f"    operations = [migrations.AddField('pupil', '{field}', models.TextField(null=True))]\n"
    )
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=50)
    options = parser.parse_args()

    created = []
    with scratch_database() as env:
        try:
            sys.path.insert(0, str(ROOT))
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            import django

            django.setup()
            from django.db import connection

            from tenants.services import create_school

            creation = []
            for n in range(options.schools):
                start = time.perf_counter()
                create_school(name=f"МБОУ «Школа № {n + 1}»", short_name=f"Школа № {n + 1}", slug=f"bench{n + 1}")
                creation.append(time.perf_counter() - start)
            # The process's first school runs the migrations (and records them); the next ones replay.
            results = {
                "schools": options.schools,
                "create_first_school_s": creation[0],
                "create_school": summary(creation[1:]),
            }
            connection.close()
            results["migrate_nothing_to_do_s"] = manage("migrate_schemas", "--tenant", "-v", "0", env=env)
            for executor, field in (("standard", "bench_note_a"), ("multiprocessing", "bench_note_b")):
                path = temporary_migration(f"9000_bench_{field}", field)
                created.append(path)
                results[f"migrate_one_new_{executor}_s"] = manage(
                    "migrate_schemas", "--tenant", f"--executor={executor}", "-v", "0", env=env
                )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                    " ON n.oid = c.relnamespace WHERE n.nspname = 'school_bench1'"
                )
                results["empty_school_bytes"] = int(cursor.fetchone()[0])
        finally:
            for path in created:
                path.unlink(missing_ok=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
