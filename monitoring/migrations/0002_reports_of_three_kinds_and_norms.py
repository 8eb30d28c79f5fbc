import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="monthlyreport", name="one_report_version"),
        migrations.RenameModel("MonthlyReport", "Report"),
        migrations.RenameField("report", "month", "starts_on"),
        migrations.AddField("report", "kind", models.CharField(
            choices=[("quality", "Мониторинг качества ведения ЭЖ"), ("filling", "Заполнение ЭЖ и накопляемость отметок"),
                     ("activity", "Активность пользователей")], default="quality", max_length=10), preserve_default=False),
        migrations.AlterModelOptions("report", {"ordering": ["-starts_on", "kind", "school", "-version"]}),
        migrations.AddConstraint("report", models.UniqueConstraint(
            fields=("kind", "school", "starts_on", "version"), name="one_report_version", nulls_distinct=False)),
        migrations.CreateModel(
            name="AccumulationNorm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hours_per_week", models.PositiveSmallIntegerField(unique=True)),
                ("marks", models.PositiveSmallIntegerField()),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("changed_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                 to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
