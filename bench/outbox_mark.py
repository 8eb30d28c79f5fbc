"""What marking a school's outbox costs the transaction that writes notices (tenants/outbox.py):
the UPDATE of the school's public row, when it sets the mark and when, the mark being fresh, it
matches nothing — which is what almost every mark of a busy school does.

    python bench/outbox_mark.py --runs 2000

In a scratch database with one school, dropped afterwards. Prints a JSON object."""

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
    parser.add_argument("--runs", type=int, default=2000)
    options = parser.parse_args()
    with scratch_database():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.db import connection, transaction
        from django_tenants.utils import schema_context

        from tenants import outbox
        from tenants.models import School
        from tenants.services import create_school

        school = create_school(name="Школа", short_name="Школа", slug="school1")

        def timed_marks(before):
            runs = []
            for _ in range(options.runs):
                before()
                with schema_context(school.schema_name), transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")  # the transaction begun, as the notices' writes begin it
                    started = time.perf_counter()
                    outbox.mark()
                    runs.append(time.perf_counter() - started)
            return summary(runs)

        sets = timed_marks(lambda: School.objects.filter(pk=school.pk).update(outbox_at=None))
        fresh = timed_marks(lambda: None)
    print(json.dumps({"runs": options.runs, "sets_the_mark": sets, "mark_already_fresh": fresh}, indent=2))


if __name__ == "__main__":
    main()
