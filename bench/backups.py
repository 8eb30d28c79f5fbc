"""Backups at many schools, in a scratch database dropped afterwards: one pg_dump of the whole
database, `manage.py backup_school` of one school, and a physical copy of the whole cluster
(pg_basebackup).

    python bench/backups.py --schools 1000

Prints a JSON object (quoted in docs/operations.md)."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.provisioning import manage, scratch_database  # noqa: E402


def timed(command, env):
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    last = done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr.strip() else ""
    return {"seconds": time.perf_counter() - start, "ok": done.returncode == 0, "error": last}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=200)
    options = parser.parse_args()
    results = {"schools": options.schools}
    with scratch_database() as env:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.db import connection

        from tenants.backup import pg_env, pg_tool
        from tenants.services import create_school

        start = time.perf_counter()
        for n in range(options.schools):
            create_school(name=f"МБОУ «Школа № {n + 1}»", short_name=f"Школа № {n + 1}", slug=f"bench{n + 1}")
        results["create_schools_s"] = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_locks_per_transaction")
            results["max_locks_per_transaction"] = int(cursor.fetchone()[0])
        connection.close()
        folder = Path(tempfile.mkdtemp(prefix="bench-backups-"))
        try:
            results["one_pg_dump"] = timed([pg_tool("pg_dump"), "--file", str(folder / "whole.sql")], pg_env())
            middle = f"bench{options.schools // 2}"
            start = time.perf_counter()
            manage("backup_school", middle, "--into", str(folder / "one"), env=env)
            results["backup_one_school_s"] = time.perf_counter() - start
            results["pg_basebackup"] = timed(
                [pg_tool("pg_basebackup"), "-D", str(folder / "base"), "-Ft", "-z", "-X", "fetch"], pg_env()
            )
        finally:
            shutil.rmtree(folder)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
