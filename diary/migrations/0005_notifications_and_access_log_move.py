"""The access log (DataView) moves to the audit app and Notification to the notifications app.
Their tables stay as they are, in every school schema: only Django's idea of which app owns
them changes (no SQL runs)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("diary", "0004_remark_to_journal")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="notification", name="pupil"),
                migrations.RemoveField(model_name="notification", name="recipient"),
                migrations.DeleteModel(name="DataView"),
                migrations.DeleteModel(name="Notification"),
            ]
        ),
    ]
