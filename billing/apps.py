from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Расчёты со школами и районом"

    def ready(self):
        from tenants import console

        from .selectors import contract_warning

        console.register(contract_warning)
