"""Amounts are integers in the currency's minor unit (paisa); this is how they are shown."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Currencies Stripe counts without a minor unit; every other has two decimals.
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xaf", "xof"})
SYMBOLS = {"pkr": "Rs", "usd": "$", "eur": "€", "gbp": "£"}


def minor_per_unit(currency: str) -> int:
    return 1 if currency.lower() in ZERO_DECIMAL else 100


def to_minor(amount: Decimal, currency: str) -> int:
    """Rounds an amount in major units to the minor unit, half up (as printed invoices do)."""
    scaled = amount * minor_per_unit(currency)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount_minor: int, currency: str) -> str:
    """'Rs 1,234.50' (negative amounts with a leading minus)."""
    unit = minor_per_unit(currency)
    sign = "-" if amount_minor < 0 else ""
    major = Decimal(abs(amount_minor)) / unit
    digits = f"{major:,.0f}" if unit == 1 else f"{major:,.2f}"
    symbol = SYMBOLS.get(currency.lower(), currency.upper())
    return f"{sign}{symbol} {digits}"
