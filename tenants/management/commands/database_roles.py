"""The SQL that splits the database between two roles (docs/operations.md), to run once as a
superuser with psql:

    python manage.py database_roles --owner ejournal_owner --app ejournal_app | psql "$ADMIN_URL"

The owner owns every schema, table, sequence and function and is who migrations run as. The
app's role (DATABASE_URL of the web and the workers) reads and writes rows and nothing else: it
cannot alter a table, disable or drop a trigger (the audit's append-only one), truncate, or make
a schema. Both roles must exist (CREATE ROLE … LOGIN PASSWORD …, with passwords of your own)."""

from django.core.management.base import BaseCommand
from django.db import connection

SQL = """
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I OWNER TO {owner}', current_database());
  EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO {app}', current_database());
END $$;
ALTER SCHEMA public OWNER TO {owner};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
{reassign}
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname = 'public' OR nspname LIKE 'school\\_%' LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO {app}', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {app}', s);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO {app}', s);
  END LOOP;
END $$;
-- What the owner makes from now on (a new school's schema): rows for the app, never the tables.
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT USAGE ON SCHEMAS TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app};
"""

# A database that was run by one role until now: everything it made passes to the owner.
REASSIGN = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE pg_get_userbyid(c.relowner) = '{old}' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
              AND (n.nspname = 'public' OR n.nspname LIKE 'school\\_%')
              -- a table's own sequences (serial, identity) go with their table
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO {owner}',
      CASE r.kind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      r.schema, r.name);
  END LOOP;
  FOR r IN SELECT nspname AS schema FROM pg_namespace
            WHERE pg_get_userbyid(nspowner) = '{old}' AND nspname LIKE 'school\\_%' LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO {owner}', r.schema);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE pg_get_userbyid(p.proowner) = '{old}' AND (n.nspname = 'public' OR n.nspname LIKE 'school\\_%') LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', r.signature);
  END LOOP;
END $$;
"""


class Command(BaseCommand):
    help = "Prints the SQL that gives the tables to an owner role and only rows to the app's role."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="the role migrations run as")
        parser.add_argument("--app", required=True, help="the role of DATABASE_URL in the web and the workers")
        parser.add_argument("--from-role", help="the one role that ran this database until now")

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        owner, app = quote(options["owner"]), quote(options["app"])
        old = (options.get("from_role") or "").replace("'", "''")
        reassign = REASSIGN.format(old=old, owner=owner) if old else ""
        self.stdout.write(SQL.format(owner=owner, app=app, reassign=reassign))
