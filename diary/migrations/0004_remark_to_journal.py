"""Remark moves to the journal app (a teacher's record). Its table stays as it is, in every school
schema: only Django's idea of which app owns it changes (no SQL runs)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("diary", "0003_staff_notifications")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Remark")]),
    ]
