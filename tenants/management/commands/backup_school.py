import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenants.backup import backup_public, backup_school
from tenants.models import School


class Command(BaseCommand):
    help = "A school's backup: its schema's dump, its files, the people its records name, a manifest with hashes."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="адрес школы; без него — все школы и public (вся установка)")
        parser.add_argument("--into", default="var/backups", help="папка для копий")
        parser.add_argument(
            "--keep-days", type=int, help="удалить копии старше стольких дней (последняя копия каждой школы остаётся)"
        )

    def handle(self, *args, slug, into, keep_days=None, **options):
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
        if keep_days is not None:
            for old in expired(Path(into), timezone.now() - timedelta(days=keep_days)):
                shutil.rmtree(old)
                self.stdout.write(f"удалена старая копия: {old.name}")


def expired(into, before):
    """Backup folders (<slug>-YYYYmmdd-HHMMSS) made before `before`, never a school's newest."""
    newest, found = {}, []
    for folder in into.iterdir():
        match = re.fullmatch(r"(.+)-(\d{8}-\d{6})", folder.name)
        if not folder.is_dir() or not match:
            continue
        made = datetime.strptime(match.group(2), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
        found.append((match.group(1), made, folder))
        newest[match.group(1)] = max(newest.get(match.group(1), made), made)
    return [folder for slug, made, folder in found if made < before and made != newest[slug]]
