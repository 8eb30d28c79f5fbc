from django.db import migrations

# Schools keep people's ids without a foreign key into public (docs/scaling.md, rule 1), so the
# database refuses to delete a person instead: an account is ended, never removed.
KEEP = """
CREATE OR REPLACE FUNCTION accounts_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = TG_TABLE_NAME || ' rows are kept: DELETE refused';
END $$;
CREATE TRIGGER person_kept BEFORE DELETE ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_delete();
"""
RELEASE = """
DROP TRIGGER IF EXISTS person_kept ON accounts_user;
DROP FUNCTION IF EXISTS accounts_refuse_delete();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_push_subscriptions")]

    operations = [migrations.RunSQL(KEEP, RELEASE)]
