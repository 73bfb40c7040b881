"""Finalised invoices made directly through the models (finalising is the ledger's code), and
cards added the way Stripe.js adds them, for the collection and webhook tests."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from billing.models import Invoice, InvoiceLine, PaymentMethod, PlanPrice
from billing.services.payment_methods import record_setup, start_card_setup
from billing.stripe_api import client
from tenants.models import Partner, Tenant
from tenants.services import create_partner

GOOD_CARD = "4242424242424242"
FAILING_CARD = "4000000000000341"  # attaches fine, every charge is declined


def new_partner(label: str = "p") -> Partner:
    tag = uuid.uuid4().hex[:8]
    return create_partner(name=f"Partner {label} {tag}", contact_email=f"{tag}@partner.example")


def finalised_invoice(
    *,
    partner: Partner,
    tenant: Tenant,
    amounts: tuple[int, ...] = (150_000, 42_50),
    tax_minor: int = 0,
    due_on: datetime.date | None = None,
    period_start: datetime.date = datetime.date(2026, 10, 1),
) -> Invoice:
    """A finalised invoice with one line per amount, as billing.services.invoices leaves it."""
    price = PlanPrice.objects.select_related("plan").order_by("pk").first()
    assert price is not None
    subtotal = sum(amounts)
    invoice = Invoice.objects.create(
        partner=partner,
        period_start=period_start,
        period_end=period_start.replace(day=28),
        currency="pkr",
        state=Invoice.State.FINALISED,
        number=f"INV-T{uuid.uuid4().hex[:12].upper()}",
        subtotal_minor=subtotal,
        tax_minor=tax_minor,
        tax_percent=0,
        total_minor=subtotal + tax_minor,
        finalised_at=timezone.now(),
        due_on=due_on or timezone.localdate() + datetime.timedelta(days=14),
    )
    for position, amount in enumerate(amounts, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            tenant=tenant,
            description=f"{tenant.name}: line {position}",
            plan=price.plan,
            price=price,
            first_day=period_start,
            last_day=period_start.replace(day=28),
            days=28,
            month_days=31,
            seats=3,
            seat_amount_minor=amount,
            storage_gb=0,
            storage_over_gb=0,
            storage_amount_minor=0,
            amount_minor=amount,
            trace={"usage_record_ids": [], "days": []},
        )
    return invoice


def add_card(
    partner: Partner, number: str = GOOD_CARD, actor: str = "billing@partner"
) -> PaymentMethod:
    """What the portal's Stripe.js does (confirm the SetupIntent with a card), then records it."""
    secret = start_card_setup(partner=partner, actor=actor)
    intent_id = secret.split("_secret_")[0]
    stripe = client()
    method = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.setup_intents.confirm(intent_id, params={"payment_method": method.id})
    return record_setup(partner=partner, setup_intent_id=intent_id, actor=actor)
