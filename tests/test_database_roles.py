"""Records that cannot be quietly changed: the app connects as a role that owns no table, so
it can write rows but can neither disable the audit's append-only trigger nor alter, truncate or
drop anything; a school created from the console gets its tables from the owner role."""

import io
import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import _admin_connection, database_url_of_tests

pytestmark = pytest.mark.django_db


def url_as(url, role):
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}:secret@{rest.split('@', 1)[1]}"


@pytest.fixture
def two_roles(new_installation):
    """A new installation split between an owner and the app's role, as docs/operations.md does it."""
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"ej_owner_{suffix}", f"ej_app_{suffix}"
    superuser = psycopg.conninfo.conninfo_to_dict(database_url_of_tests())["user"]
    sql = io.StringIO()
    call_command("database_roles", owner=owner, app=app, from_role=superuser, stdout=sql)
    with _admin_connection() as admin:
        for role in (owner, app):
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'secret'")
    try:
        with psycopg.connect(new_installation, autocommit=True) as db:
            db.execute(sql.getvalue())
        yield url_as(new_installation, owner), url_as(new_installation, app)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{new_installation.rsplit("/", 1)[1]}" WITH (FORCE)')
            for role in (app, owner):
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def refused(db, statement):
    """Whether PostgreSQL refuses `statement` to this connection (and leaves it usable)."""
    try:
        with db.transaction():
            db.execute(statement)
    except psycopg.Error:
        return True
    return False


def test_the_apps_role_writes_rows_and_cannot_touch_the_audits_trigger_or_any_table(two_roles):
    owner_url, app_url = two_roles
    env = os.environ | {"DATABASE_URL": app_url, "OWNER_DATABASE_URL": owner_url, "DEBUG": "True"}
    created = subprocess.run(
        [sys.executable, "manage.py", "create_school", "--name", "МБОУ СОШ № 9", "--short-name", "СОШ № 9",
         "--slug", "school9"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr[-3000:]
    with psycopg.connect(app_url, autocommit=True) as db:
        # The school's tables are the owner's; its rows are the app's to write.
        owners = db.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('public', 'school_school9')"
        ).fetchall()
        assert owners == [(owner_url.split("://")[1].split(":")[0],)]
        db.execute(
            "INSERT INTO school_school9.journal_subject (name, short_name, is_marked) VALUES ('Химия', 'Хим', true)"
        )
        entries = db.execute("SELECT count(*) FROM audit_auditentry").fetchone()
        assert db.execute("SELECT count(*) FROM audit_auditentry WHERE action = 'school.created'").fetchone() == (1,)
        for statement in (
            "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only",
            "ALTER TABLE school_school9.audit_auditentry DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_append_only ON audit_auditentry",
            "SET session_replication_role = replica",
            "UPDATE audit_auditentry SET action = 'nothing'",
            "DELETE FROM audit_auditentry",
            "TRUNCATE audit_auditentry",
            "DROP TABLE school_school9.journal_mark",
            "ALTER TABLE journal_subject ADD COLUMN x int",
            "CREATE SCHEMA elsewhere",
            "CREATE TABLE public.elsewhere (x int)",
        ):
            assert refused(db, statement), statement
        assert db.execute("SELECT count(*) FROM audit_auditentry").fetchone() == entries
