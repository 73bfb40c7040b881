from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def gigabytes(size_bytes: int | None) -> str:
    """Bytes as decimal gigabytes (10^9 bytes, as storage is billed): '12.35 GB'."""
    if size_bytes is None:
        return "—"
    return f"{Decimal(size_bytes) / 10**9:,.2f} GB"
