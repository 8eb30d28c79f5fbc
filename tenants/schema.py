"""A new school's schema, with every table.

Migrating a new schema costs about two seconds, nearly all of it Django rendering model states;
the SQL it sends is the same for every school (unqualified names under the school's
search_path). So the first school a process creates is migrated as usual while its statements
are recorded, and later schools replay that SQL, as long as the migrations on disk are the same.
The replay runs inside the caller's transaction, like the migration would.
tests/test_provisioning.py checks that a replayed schema is the same as a migrated one."""

import re
from datetime import datetime

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from .routers import through_owner

REPLAYABLE = re.compile(
    r'^\s*((CREATE|ALTER|COMMENT|SET CONSTRAINTS)\s|INSERT INTO "django_(migrations|content_type)" )', re.IGNORECASE
)
SKIPPED = re.compile(r"^\s*(SET search_path|SELECT|SHOW|SAVEPOINT|RELEASE SAVEPOINT)\b", re.IGNORECASE)

_recording = {}  # migrations on disk -> the statements, or None when they cannot be replayed


def _migrations_on_disk():
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def owner_alias():
    """The connection that makes tables: the owner's role when one is configured."""
    return "owner" if "owner" in settings.DATABASES else DEFAULT_DB_ALIAS


def create_school_schema(schema_name):
    """All or nothing. With one role, inside the caller's transaction. With an owner role
    (OWNER_DATABASE_URL) the tables are the owner's and the app's role gets their rows through
    the owner's default privileges; the owner's connection commits on its own, so a failure drops
    the schema again."""
    alias = owner_alias()
    if alias == DEFAULT_DB_ALIAS:
        with transaction.atomic():
            return _create(connections[alias], alias, schema_name)
    try:
        with through_owner():
            return _create(connections[alias], alias, schema_name)
    except BaseException:
        connections[alias].set_schema_to_public()
        with connections[alias].cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
        raise


def _create(connection, alias, schema_name):
    key = _migrations_on_disk()
    statements = _recording.get(key)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    if statements:
        connection.set_schema(schema_name)
        with connection.cursor() as cursor:
            now = timezone.now()
            for sql, params, many in statements:
                if not many:  # the times the migrations were applied are now, not when they were recorded
                    params = [now if isinstance(p, datetime) else p for p in params or ()]
                (cursor.executemany if many else cursor.execute)(sql, params)
        connection.set_schema_to_public()
        return "replayed"
    recorded = []

    def record(execute, sql, params, many, context):
        recorded.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call_command(
            "migrate_schemas", tenant=True, schema_name=schema_name, database=alias, interactive=False, verbosity=0
        )
    connection.set_schema_to_public()
    kept = [statement for statement in recorded if not SKIPPED.match(statement[0])]
    usable = all(REPLAYABLE.match(sql) and schema_name not in sql for sql, _params, _many in kept)
    if key not in _recording:
        _recording[key] = kept if usable else None
    return "migrated"
