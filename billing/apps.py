from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = gettext_lazy("Расчёты со школами и районом")

    def ready(self):
        from tenants import console

        from .selectors import contract_warning

        console.register(contract_warning)
