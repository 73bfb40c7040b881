from django import template

from billing.money import format_money

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str = "pkr") -> str:
    """{{ invoice.total_minor|money:invoice.currency }} → 'Rs 1,234.50'."""
    if amount_minor is None:
        return "—"
    return format_money(int(amount_minor), currency)
