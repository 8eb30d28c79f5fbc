from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class GuideConfig(AppConfig):
    name = "guide"
    verbose_name = gettext_lazy("Справка")
