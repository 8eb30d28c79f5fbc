"""Remark comes from the diary app with its table (diary_remark), unchanged: no SQL runs."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0006_mark_request_key"),
        ("diary", "0004_remark_to_journal"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Remark",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("text", models.CharField(max_length=1000)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "lesson",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="remarks",
                                to="journal.lesson",
                            ),
                        ),
                        (
                            "pupil",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="remarks", to="journal.pupil"
                            ),
                        ),
                    ],
                    options={"ordering": ["-created_at"], "db_table": "diary_remark"},
                ),
            ]
        ),
    ]
