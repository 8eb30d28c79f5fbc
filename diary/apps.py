from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = gettext_lazy("Дневник")
