"""The audit trail is append-only in the database itself, in public and in every school schema:
an UPDATE or DELETE of an entry fails whatever issued it (a bulk update, a shell, raw SQL)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit entries are append-only: ' || TG_OP || ' refused';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_alter_auditentry_at")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
