from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.backup import restore_school


class Command(BaseCommand):
    help = (
        "Restores a school's backup under an address that is free here (or in place after public was restored). "
        "People are matched by e-mail, phone or SNILS, never by number."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="папка копии (с manifest.json)")
        parser.add_argument("--slug", required=True, help="адрес восстановленной школы")

    def handle(self, *args, folder, slug, **options):
        try:
            school, manifest = restore_school(folder, slug=slug)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Восстановлено: {school.host} — {rows} строк, {len(manifest['files'])} файлов.")
