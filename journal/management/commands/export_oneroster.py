from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from journal import oneroster
from tenants.models import School


class Command(BaseCommand):
    help = (
        "Пакет OneRoster 1.2 (ZIP): школы или всего района — классы, обучающиеся, родители, сотрудники, "
        "зачисления; с --results и отметки. Для обмена с другими системами (docs/oneroster.md)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--school", help="адрес школы (slug)")
        which.add_argument("--district", action="store_true", help="все школы района")
        parser.add_argument("--district-name", default="Управление образования", help="название органа управления")
        parser.add_argument("--results", action="store_true", help="с видами работ, работами и отметками")
        parser.add_argument("--out", required=True, help="файл ZIP")

    def handle(self, *args, school, district, district_name, results, out, **options):
        schools = School.objects.exclude(schema_name="public")
        if school:
            schools = schools.filter(slug=school)
            if not schools:
                raise CommandError(f"Школы с адресом «{school}» нет.")
        package = oneroster.Package()
        if district:
            oneroster.add_district(package, district_name)
        for each in schools.order_by("slug"):
            with schema_context(each.schema_name):
                oneroster.add_school(package, each, with_results=results, district="district" if district else None)
        with open(out, "wb") as file:
            package.write(file)
        counts = ", ".join(f"{name}: {len(rows)}" for name, rows in package.rows.items() if rows)
        self.stdout.write(f"{out}: {counts}")
