from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district (`manage.py seed_demo`, `make demo`): above every other app, needed by none."""

    name = "demo"
    verbose_name = "Демо-район"
