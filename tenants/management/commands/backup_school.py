from django.core.management.base import BaseCommand, CommandError

from tenants.backup import backup_public, backup_school
from tenants.models import School


class Command(BaseCommand):
    help = "A school's backup: its schema's dump, its files, the people its records name, a manifest with hashes."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="адрес школы; без него — все школы и public (вся установка)")
        parser.add_argument("--into", default="var/backups", help="папка для копий")

    def handle(self, *args, slug, into, **options):
        if slug:
            school = School.objects.filter(slug=slug).first()
            if school is None:
                raise CommandError(f"Школы с адресом «{slug}» нет.")
            schools = [school]
        else:
            # Public, then one schema at a time: each pg_dump locks one school's tables. It suits a
            # small district; at 1,000 schools each dump takes ~37 s (docs/operations.md): there,
            # back up the cluster physically.
            self.stdout.write(f"public: {backup_public(into)}")
            schools = School.objects.exclude(schema_name="public").order_by("slug")
        for school in schools:
            self.stdout.write(f"{school.slug}: {backup_school(school, into)}")
