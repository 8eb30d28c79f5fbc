"""The district operator creates, suspends and archives schools; nothing is half-made or lost."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from audit.models import AuditEntry
from journal.models import SchoolClass
from tenants.models import Domain, School
from tenants.services import change_status, create_school


def school_schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'school_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_a_new_school_gets_a_schema_an_address_and_a_history(world, db):
    school = create_school(name="МБОУ «Лицей № 3»", short_name="Лицей № 3", slug="lyceum3", by=world.operator)
    assert school.schema_name == "school_lyceum3" and schema_exists("school_lyceum3")
    assert Domain.objects.get(tenant=school).domain == "lyceum3.localhost"
    with schema_context(school.schema_name):
        assert SchoolClass.objects.count() == 0
    entry = AuditEntry.objects.get(target_type="tenants.school", target_id=school.pk)
    assert entry.action == "school.created" and entry.actor == world.operator


@pytest.mark.parametrize(
    "slug",
    [
        "public",
        "pg_catalog",
        "pg-toast",
        "information_schema",
        "School1",
        "a'; DROP SCHEMA public; --",
        "x" * 31,
        "ab",
        "-school",
        "school-",
        "шк1",
        "www",
        "",
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_made(world, db, slug):
    schools, schemas = School.objects.count(), school_schemas()
    with pytest.raises(ValidationError) as error:
        create_school(name="МБОУ «Школа»", short_name="Школа", slug=slug)
    assert "slug" in error.value.message_dict
    assert School.objects.count() == schools and school_schemas() == schemas


@pytest.mark.parametrize("name", ["", "ab", "Школа'; DROP TABLE accounts_user; --", "<script>", "1234", "Ш" * 301])
def test_a_bad_name_is_refused(world, db, name):
    with pytest.raises(ValidationError) as error:
        create_school(name=name, short_name="Школа", slug="good-slug")
    assert "name" in error.value.message_dict
    assert not School.objects.filter(slug="good-slug").exists()


def test_a_duplicate_school_is_refused(world, db):
    with pytest.raises(ValidationError, match="уже есть"):
        create_school(name="МБОУ «Другая»", short_name="Другая", slug="school-a")
    with pytest.raises(ValidationError, match="уже есть"):
        create_school(name=world.a.school.name, short_name="Копия", slug="copy")


def test_a_failure_during_provisioning_leaves_nothing_behind(world, db, monkeypatch):
    from tenants import services

    real_create_schema = services.create_school_schema

    def create_schema_then_fail(schema_name):
        real_create_schema(schema_name)  # the schema and all its tables exist now
        assert schema_exists(schema_name)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "create_school_schema", create_schema_then_fail)
    with pytest.raises(RuntimeError):
        create_school(name="МБОУ «Неудачная школа»", short_name="Неудачная", slug="failing")
    connection.set_schema_to_public()
    assert not School.objects.filter(slug="failing").exists()
    assert not Domain.objects.filter(domain__startswith="failing.").exists()
    assert not schema_exists("school_failing")


def test_the_command_creates_a_school_and_explains_a_refusal(world, db, capsys):
    call_command("create_school", name="МБОУ «СОШ № 9»", short_name="СОШ № 9", slug="school9")
    assert "school9.localhost" in capsys.readouterr().out
    with pytest.raises(CommandError, match="зарезервирован"):
        call_command("create_school", name="МБОУ «СОШ № 10»", short_name="СОШ № 10", slug="public")


def test_the_operator_creates_a_school_from_the_console(world, enter):
    browser = enter(world.operator)
    page = browser.get("/district/schools/new/")
    assert "Новая школа" in page.content.decode()
    response = browser.post(
        "/district/schools/new/", {"name": "МБОУ «СОШ № 7»", "short_name": "СОШ № 7", "slug": "school7"}, follow=True
    )
    assert "Школа «СОШ № 7» создана: school7.localhost" in response.content.decode()
    assert schema_exists("school_school7")


def test_the_console_shows_a_refusal_and_keeps_what_was_typed(world, enter):
    response = enter(world.operator).post(
        "/district/schools/new/", {"name": "МБОУ «Лицей»", "short_name": "Лицей", "slug": "Public"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "строчных латинских букв" in page
    assert 'value="МБОУ «Лицей»"' in page
    assert not School.objects.filter(name="МБОУ «Лицей»").exists()


def test_a_district_official_reads_the_console_but_cannot_create(world, enter):
    browser = enter(world.official)
    assert browser.get("/district/").status_code == 200
    assert browser.get("/district/schools/new/").status_code == 403
    assert (
        browser.post("/district/schools/new/", {"name": "МБОУ «X»", "short_name": "X", "slug": "xschool"}).status_code
        == 403
    )
    assert not School.objects.filter(slug="xschool").exists()


def test_a_suspended_school_reads_but_does_not_write(world, enter):
    school = world.a.school
    change_status(school, School.Status.SUSPENDED, reason="Приказ УО № 12", by=world.operator)
    admin = enter(world.a.admin, world.a.host)
    assert admin.get("/staff/").status_code == 200
    response = admin.post("/staff/invite/", {"role": "teacher", "full_name": "Новиков Н. Н."})
    assert response.status_code == 403 and "Изменения не сохраняются" in response.content.decode()
    api = admin.post("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "school_read_only"
    change_status(school, School.Status.ACTIVE, reason="Проверка завершена", by=world.operator)
    assert admin.post("/staff/invite/", {"role": "teacher", "full_name": "Новиков Н. Н."}).status_code == 200


def test_an_archived_school_stays_archived_and_is_never_deleted(world, db):
    school = create_school(name="МБОУ «Закрытая школа»", short_name="Закрытая", slug="closed")
    change_status(school, School.Status.ARCHIVED, reason="Реорганизация, приказ № 5")
    with pytest.raises(ValidationError, match="Нельзя"):
        change_status(school, School.Status.ACTIVE, reason="передумали")
    with pytest.raises(ValidationError):
        school.delete()
    assert schema_exists("school_closed")


def test_a_status_change_needs_a_reason(world, db):
    with pytest.raises(ValidationError, match="причину"):
        change_status(world.b.school, School.Status.SUSPENDED, reason="  ")
    world.b.school.refresh_from_db()
    assert world.b.school.status == School.Status.ACTIVE


def test_the_console_page_of_a_school_is_a_portal_page_with_its_history(world, enter):
    page = enter(world.official).get(f"/district/schools/{world.suspended.slug}/").content.decode()
    assert "портал района" in page  # the console's own header, not the school's
    assert "изменения не сохраняются" not in page  # the school's read-only banner is for the school's address
    assert "Состояние изменено" in page and "Проверка" in page


def _catalog(schema):
    """Tables, columns, constraints and indexes of a schema, with the schema's name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), is_identity"
            " FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s ORDER BY 1, 2",
            [schema],
        )
        constraints = [
            (table, name, definition.replace(f"{schema}.", "")) for table, name, definition in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT indexname, replace(indexdef, %s, '') FROM pg_indexes WHERE schemaname = %s ORDER BY 1",
            [f'"{schema}".', schema],
        )
        indexes = [(name, definition.replace(f"{schema}.", "")) for name, definition in cursor.fetchall()]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2')
        migrations = cursor.fetchall()
    return columns, constraints, indexes, migrations


def test_a_school_made_from_the_recorded_migrations_is_the_same_as_a_migrated_one(world, db):
    from tenants import schema

    # The session's first school was migrated (and recorded); the next ones were replayed.
    assert any(schema._recording.values()), "the migrations could not be recorded for replay"
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS school_migrated_check CASCADE")
    schema._recording.clear()
    assert schema.create_school_schema("school_migrated_check") == "migrated"
    assert schema.create_school_schema("school_replayed_check") == "replayed"
    migrated, replayed = _catalog("school_migrated_check"), _catalog("school_replayed_check")
    assert migrated == replayed and len(migrated[0]) > 200 and len(migrated[3]) > 20
    assert _catalog(world.b.school.schema_name)[:3] == migrated[:3]


def test_migrate_schemas_reads_every_school_once_and_visits_only_those_behind(world, db, capsys, monkeypatch):
    """A deploy with nothing new does not open each school; a school missing a migration is
    the only one handed to django-tenants' executor."""
    from django_tenants.migration_executors.standard import StandardExecutor

    from tenants.migrating import behind, expected_migrations

    a, b = world.a.school.schema_name, world.b.school.schema_name
    schools = list(School.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    handed = []
    monkeypatch.setattr(StandardExecutor, "run_migrations", lambda self, tenants=None: handed.append(list(tenants)))
    assert behind(schools) == []
    call_command("migrate_schemas", tenant=True, interactive=False)
    assert handed == []
    assert f"{len(schools)} of {len(schools)} schools up to date, 0 to migrate" in capsys.readouterr().out
    # School B lost the record of one migration (as if restored from a copy older than the code).
    app, name = expected_migrations()[-1].split(".", 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{b}".django_migrations WHERE app = %s AND name = %s', [app, name])
    assert behind(schools) == [b] and behind([a]) == []
    call_command("migrate_schemas", tenant=True, interactive=False)
    assert handed == [[b]]
    # Asked for a target or a fake, it does exactly as asked, for every school.
    call_command("migrate_schemas", tenant=True, interactive=False, fake=True)
    assert sorted(handed[-1]) == sorted(schools)
