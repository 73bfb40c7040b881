"""What a tenant's subdomain may be."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

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
# RFC 5891 §4.2.3.1: hyphens in the third and fourth places mark an encoded label; "xn--" is
# punycode, which a browser shows in other letters (a Cyrillic first letter makes "punjab").
_ENCODED_LABEL = re.compile(r"^..--")


def validate_subdomain(value: str) -> None:
    """A lower-case DNS label (RFC 1123), not reserved and not an encoded (IDNA) label.

    It is only the tenant's address: the schema name is generated from the tenant's id.
    """
    if not _DNS_LABEL.match(value):
        raise ValidationError(
            "Use 1 to 63 lower-case letters, digits or hyphens, starting and ending with a "
            "letter or digit.",
            code="invalid_subdomain",
        )
    if _ENCODED_LABEL.match(value):
        if value.startswith("xn--"):
            message = gettext(
                "“%(value)s” is an internationalised (punycode) address: a browser shows it in "
                "other letters, where it can pass for another tenant's name. Use plain letters, "
                "digits and hyphens."
            )
        else:
            message = gettext(
                "“%(value)s” has two hyphens in the third and fourth places, which are kept for "
                "internationalised (punycode) addresses: a browser may show such an address in "
                "other letters, where it can pass for another tenant's name."
            )
        raise ValidationError(message % {"value": value}, code="idna_subdomain")
    if value in RESERVED_SUBDOMAINS or value.startswith("pg-"):
        raise ValidationError(f"“{value}” is reserved by the platform.", code="reserved_subdomain")
