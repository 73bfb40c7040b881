"""Reads of a partner's cards.

(Minimal version written by the portal helper: it asks Stripe; the stripe helper's version
reads the PaymentMethod cache its webhooks keep, and replaces it.)
"""

from __future__ import annotations

from dataclasses import dataclass

from stripe import Customer

from billing.models import BillingAccount
from billing.stripe_api import stripe_client
from tenants.models import Partner


@dataclass(frozen=True)
class Card:
    stripe_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


def default_payment_method_id(customer: Customer) -> str | None:
    """The id of the card the customer's invoices are charged to, or None."""
    settings_ = customer.invoice_settings
    default = settings_.default_payment_method if settings_ else None
    return default if isinstance(default, str) or default is None else default.id


def payment_methods_of(partner: Partner) -> list[Card]:
    """The partner's cards on its Stripe customer, the default first; [] before it has one."""
    account = BillingAccount.objects.filter(partner=partner).first()
    if account is None or not account.stripe_customer_id:
        return []
    client = stripe_client()
    default_id = default_payment_method_id(client.v1.customers.retrieve(account.stripe_customer_id))
    methods = client.v1.payment_methods.list(
        params={"customer": account.stripe_customer_id, "type": "card"}
    ).data
    cards = [
        Card(
            stripe_id=m.id,
            brand=str(m.card.brand) if m.card else "card",
            last4=str(m.card.last4) if m.card else "????",
            exp_month=int(m.card.exp_month) if m.card else 0,
            exp_year=int(m.card.exp_year) if m.card else 0,
            is_default=m.id == default_id,
        )
        for m in methods
    ]
    return sorted(cards, key=lambda card: not card.is_default)
