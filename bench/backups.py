"""Whole-installation backups at many schools, in a scratch database dropped afterwards: one
pg_dump of the whole database against `manage.py backup_school` (public, then one schema at a
time).

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
            start = time.perf_counter()
            whole = subprocess.run(
                [pg_tool("pg_dump"), "--file", str(folder / "whole.sql")], env=pg_env(), capture_output=True, text=True
            )
            results["one_pg_dump"] = {
                "seconds": time.perf_counter() - start,
                "ok": whole.returncode == 0,
                "error": whole.stderr.strip().splitlines()[-1] if whole.returncode else "",
            }
            results["backup_school_all_s"] = manage("backup_school", "--into", str(folder / "per-school"), env=env)
            dumps = list((folder / "per-school").glob("*/schema.sql"))
            results["per_school_dumps"] = len(dumps)
            results["per_school_bytes_median"] = sorted(p.stat().st_size for p in dumps)[len(dumps) // 2]
        finally:
            shutil.rmtree(folder)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
