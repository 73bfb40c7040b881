from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing.receivers import tenant_transitioned
        from tenants.lifecycle import on_transition

        on_transition(tenant_transitioned)
