"""How a tenant's subdomain becomes its schema name and its host."""

from django.conf import settings


def schema_name_for(subdomain: str) -> str:
    # Hyphens are legal in DNS labels but would need quoting in every SQL statement.
    return subdomain.replace("-", "_")


def primary_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"
