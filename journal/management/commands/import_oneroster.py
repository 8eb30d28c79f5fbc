from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from accounts.models import User
from groundwork.errors import explain
from journal import imports
from journal.models import ImportBatch
from tenants.models import School


class Command(BaseCommand):
    help = (
        "Контингент школы (классы, обучающиеся, родители) из пакета OneRoster 1.2: та же проверка каждой "
        "строки и загрузка целиком, что на странице «Импорт»; от имени администратора ЭЖ школы."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="адрес школы (slug)")
        parser.add_argument("--file", required=True, help="ZIP-пакет OneRoster 1.2")
        parser.add_argument("--by", required=True, help="e-mail администратора ЭЖ школы, от чьего имени загрузка")
        parser.add_argument("--org", help="sourcedId школы в пакете, если школ в нём несколько")

    def handle(self, *args, school, file, by, org, **options):
        found = School.objects.exclude(schema_name="public").filter(slug=school).first()
        person = User.objects.filter(email=by).first()
        if found is None or person is None:
            raise CommandError(f"Нет школы «{school}» или человека «{by}».")
        with open(file, "rb") as opened:
            upload = SimpleUploadedFile(file.rsplit("/", 1)[-1], opened.read())
        with schema_context(found.schema_name):
            try:
                batch = imports.parse(
                    ImportBatch.Kind.ONEROSTER, upload, by=person, school=found, context={"org": org} if org else None
                )
                if batch.errors:
                    lines = "\n".join(f"строка {e['row']}: {e['message']}" for e in batch.errors)
                    raise CommandError(f"В пакете есть ошибки, ничего не загружено:\n{lines}")
                made = imports.apply(batch, school=found, by=person)
            except ValidationError as error:
                raise CommandError(explain(error)) from None
        for invitation, code in (m for m in made if isinstance(m, tuple)):
            self.stdout.write(f"{invitation.full_name}: {code}")
        self.stdout.write(f"Загружено строк: {len(made)}.")
