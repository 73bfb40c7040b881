"""What a tenant's subdomain may be."""

import re

from django.core.exceptions import ValidationError

# Names the platform itself uses or that would mislead users if a tenant held them.
RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "admin",
        "api",
        "app",
        "console",
        "partner",
        "partners",
        "mail",
        "smtp",
        "static",
        "media",
        "assets",
        "cdn",
        "status",
        "public",
        "help",
        "support",
        "docs",
        "auth",
        "login",
        "sso",
        "federal",
        "billing",
        "test",
        "demo",
        "template",
    }
)
_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def validate_subdomain(value: str) -> None:
    """A lower-case DNS label (RFC 1123), not reserved; it also names the tenant's schema."""
    if not _DNS_LABEL.match(value):
        raise ValidationError(
            "Use 1 to 63 lower-case letters, digits or hyphens, starting and ending with a "
            "letter or digit.",
            code="invalid_subdomain",
        )
    if value in RESERVED_SUBDOMAINS or value.startswith("pg-"):
        raise ValidationError(f"“{value}” is reserved by the platform.", code="reserved_subdomain")
