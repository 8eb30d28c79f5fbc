from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from journal.archive import export_archive
from journal.models import AcademicYear
from tenants.models import School


class Command(BaseCommand):
    help = (
        "Электронный архив учебного года школы: CSV (UTF-8) и PDF/A, MANIFEST.sha256 и подпись школы; "
        "пишется в файловое хранилище и в папку --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="адрес школы (slug)")
        parser.add_argument("--year", required=True, help="учебный год, например 2025/2026")
        parser.add_argument("--out", help="второе место записи (по умолчанию ARCHIVE_DIR)")

    def handle(self, *args, school, year, out, **options):
        found = School.objects.filter(slug=school).exclude(schema_name="public").first()
        if found is None:
            raise CommandError(f"Школы с адресом «{school}» нет.")
        with schema_context(found.schema_name):
            chosen = AcademicYear.objects.filter(name=year).first()
            if chosen is None:
                names = ", ".join(AcademicYear.objects.values_list("name", flat=True)) or "нет ни одного"
                raise CommandError(f"Учебного года «{year}» в школе нет (есть: {names}).")
            export = export_archive(found, chosen, out=out)
        self.stdout.write(f"{export.folder}\nMANIFEST.sha256: {export.manifest_sha256} ({export.files} файлов)")
