"""Notification comes from the diary app with its table (diary_notification), unchanged: no SQL runs."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('journal', '0007_remark_from_diary'),
        ('diary', '0005_notifications_and_access_log_move'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('mark', 'отметка'), ('absence', 'пропуск'), ('final', 'итоговая отметка'), ('digest', 'сводка за неделю'), ('remark', 'замечание'), ('news', 'объявление'), ('meeting', 'родительское собрание'), ('substitution', 'замена урока')], max_length=12)),
                ('text', models.TextField()),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('email_claimed_at', models.DateTimeField(blank=True, null=True)),
                ('email_sent_at', models.DateTimeField(blank=True, null=True)),
                ('email_skipped', models.CharField(blank=True, max_length=50)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('pupil', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='journal.pupil')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'diary_notification',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['email_sent_at', 'email_skipped'], name='outbox_pending')],
            },
        ),
        ])
    ]
