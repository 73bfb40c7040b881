from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        from tenants import routing
        from tenants.models import Domain, Tenant

        routing.watch(Tenant)
        routing.watch(Domain)
