from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import create_school


class Command(BaseCommand):
    help = "Creates a school: its row, its address <slug>.<BASE_DOMAIN> and its schema, atomically."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="полное наименование")
        parser.add_argument("--short-name", required=True, help="краткое наименование")
        parser.add_argument("--slug", required=True, help="адрес: school1 -> school1.<BASE_DOMAIN>")

    def handle(self, *args, **options):
        try:
            school = create_school(name=options["name"], short_name=options["short_name"], slug=options["slug"])
        except ValidationError as error:
            lines = (
                [f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()]
                if hasattr(error, "error_dict")
                else error.messages
            )
            raise CommandError("Школа не создана.\n" + "\n".join(lines)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Школа «{school.short_name}» создана: {school.host} (схема {school.schema_name})")
        )
