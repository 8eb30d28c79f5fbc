from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing import services


class Command(BaseCommand):
    help = "Счета и акты за месяц всем плательщикам (один раз: повторный запуск ничего не создаёт)."

    def add_arguments(self, parser):
        parser.add_argument("month", help="месяц, ГГГГ-ММ")

    def handle(self, *args, month, **options):
        try:
            made, notes = services.close_month(services.month_from(month))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for invoice in made:
            self.stdout.write(f"{invoice}: {invoice.payer}, {invoice.total} ₽")
        for note in notes:
            self.stdout.write(note)
        self.stdout.write(f"Счетов: {len(made)}.")
