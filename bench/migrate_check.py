"""What `migrate_schemas` pays to learn that nothing is to be done, at many schools
(tenants/migrating.py: every school's applied migrations counted in one statement).

    python bench/migrate_check.py --schools 1000

In a scratch database: one real school, then N schemas holding only a copy of its migration
table (the check reads nothing else, so this measures the check at N schools without building
N whole schools). Prints a JSON object."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database, summary  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with scratch_database():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from tenants.migrating import behind, expected_migrations
        from tenants.services import create_school

        call_command("migrate_schemas", shared=True, verbosity=0)
        school = create_school(name="Школа для замеров", short_name="Замеры", slug="bench")
        names = [f"bench_copy_{n:05d}" for n in range(options.schools)]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(
                    f'CREATE SCHEMA "{name}"; CREATE TABLE "{name}".django_migrations AS '
                    f'SELECT * FROM "{school.schema_name}".django_migrations'
                )
        made = time.perf_counter() - started
        runs = []
        for _ in range(options.runs):
            started = time.perf_counter()
            assert behind(names) == []
            runs.append(time.perf_counter() - started)
        with connection.cursor() as cursor:  # one school a migration behind is found
            cursor.execute(
                f'DELETE FROM "{names[-1]}".django_migrations WHERE id = (SELECT max(id) FROM "{names[-1]}".django_migrations)'
            )
        assert behind(names) == [names[-1]]
    print(
        json.dumps(
            {
                "schools": options.schools,
                "migrations_per_school": len(expected_migrations()),
                "copies_made_s": made,
                "check_all": summary(runs),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
