# 

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('diary', '0002_messages_news_meetings'),
        ('journal', '0003_substitutions_and_guardianship_end'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('mark', 'отметка'), ('absence', 'пропуск'), ('final', 'итоговая отметка'), ('digest', 'сводка за неделю'), ('remark', 'замечание'), ('news', 'объявление'), ('meeting', 'родительское собрание'), ('substitution', 'замена урока')], max_length=12),
        ),
        migrations.AlterField(
            model_name='notification',
            name='pupil',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='journal.pupil'),
        ),
    ]
