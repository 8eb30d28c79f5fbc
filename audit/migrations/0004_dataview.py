"""The access log comes from the diary app. In school schemas its table (diary_dataview) is
kept as it is (no SQL runs); public gets the same, empty table, so that the audit app's tables
are alike in both and a later change to this one applies everywhere (audit is in both app lists)."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def create_in_public(apps, schema_editor):
    if schema_editor.connection.schema_name == get_public_schema_name():
        schema_editor.create_model(apps.get_model("audit", "DataView"))


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_append_only_in_the_database'),
        ('diary', '0005_notifications_and_access_log_move'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='DataView',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('ip', models.GenericIPAddressField(null=True)),
                ('page', models.CharField(max_length=200)),
                ('pupil_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), size=None)),
                ('viewer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'diary_dataview',
                'ordering': ['-at'],
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['pupil_ids'], name='diary_datav_pupil_i_108c4b_gin')],
            },
        ),
        ]),
        migrations.RunPython(create_in_public, migrations.RunPython.noop),
    ]
