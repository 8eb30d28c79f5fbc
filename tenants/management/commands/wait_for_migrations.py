import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.migrating import behind


def unmigrated_schemas():
    """Schemas (public and every school's) that lack a migration this code has: each records
    every app's migrations, applied or skipped by the router, as migrate_schemas runs them."""
    connection.set_schema_to_public()
    schools = get_tenant_model().objects.exclude(schema_name=get_public_schema_name())
    return behind([get_public_schema_name(), *schools.values_list("schema_name", flat=True)])


class Command(BaseCommand):
    help = "Waits until public and every school schema have this release's migrations (a pod's init container)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=3600, help="seconds")
        parser.add_argument("--interval", type=float, default=5)

    def handle(self, *args, timeout, interval, **options):
        deadline = time.monotonic() + timeout
        while True:
            try:
                behind = unmigrated_schemas()
            except Exception as error:  # the database not up yet, or public not migrated at all
                behind = [f"({error.__class__.__name__})"]
            if not behind:
                self.stdout.write("Миграции применены во всех схемах.")
                return
            if time.monotonic() > deadline:
                raise CommandError(f"Миграции не применены за {timeout} с: {', '.join(behind[:10])} …")
            self.stderr.write(f"Ждём миграции: {len(behind)} схем(ы), например {behind[0]}")
            time.sleep(interval)
