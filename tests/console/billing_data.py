"""Ledger rows made directly with the models, for the portal's and the federal screens' tests
(the services that write them in production belong to other modules)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from accounts.services import create_account
from billing.models import (
    BillingTerm,
    Invoice,
    InvoiceLine,
    Plan,
    PlanPrice,
    Subscription,
    UsageRecord,
)
from billing.services.dunning import invoice_changed
from tenants.models import Partner, PartnerMembership, Tenant
from tenants.services import add_partner_member, create_partner
from tests.conftest import PASSWORD, World

MONTH = datetime.date(2026, 10, 1)


@dataclass
class Ledger:
    plan: Plan
    price: PlanPrice
    unpaid: Invoice  # Punjab's October invoice, payment failed
    paid: Invoice  # Punjab's September invoice
    other_partner: Partner
    other_invoice: Invoice  # Sindh's, billed to the other partner


def staff(world: World, role: str, name: str) -> User:
    """A control-plane account on the world partner's staff in `role`."""
    user = create_account(
        email=f"{name}@partner.example", full_name=name.title(), password=PASSWORD
    )
    add_partner_member(partner=world.partner, user=user, role=role, invited_by="test-suite")
    return user


def _invoice(
    partner: Partner,
    tenant: Tenant,
    price: PlanPrice,
    month: datetime.date,
    number: str,
    **extra: object,
) -> Invoice:
    last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    invoice = Invoice.objects.create(
        partner=partner,
        period_start=month,
        period_end=last,
        currency="pkr",
        number=number,
        subtotal_minor=360_000,
        tax_minor=0,
        total_minor=360_000,
        finalised_at=timezone.now(),
        due_on=last + datetime.timedelta(days=15),
        **extra,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        position=0,
        tenant=tenant,
        description=f"{tenant.name}, {month:%B %Y}",
        plan=price.plan,
        price=price,
        first_day=month,
        last_day=last,
        days=last.day,
        month_days=last.day,
        seats=3,
        seat_amount_minor=360_000,
        storage_gb=Decimal("1.500"),
        storage_over_gb=Decimal("0.000"),
        storage_amount_minor=0,
        amount_minor=360_000,
        trace={"usage_record_ids": [], "days": []},
    )
    return invoice


def make_ledger(world: World) -> Ledger:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    plan = Plan.objects.get(code="standard")
    price = PlanPrice.objects.filter(plan=plan).order_by("-effective_from").first()
    assert price is not None
    other = create_partner(name="Other Vendor", contact_email="ops@other.example")
    for tenant, partner in ((punjab, world.partner), (sindh, other)):
        Subscription.objects.update_or_create(
            tenant=tenant,
            defaults={"plan": plan, "assigned_at": timezone.now(), "assigned_by": "test-suite"},
        )
        BillingTerm.objects.create(
            tenant=tenant,
            partner=partner,
            plan=plan,
            effective_from=datetime.date(2026, 9, 1),
            recorded_by="test-suite",
        )
    paid = _invoice(
        world.partner,
        punjab,
        price,
        datetime.date(2026, 9, 1),
        "INV-2026-000901",
        state=Invoice.State.PAID,
        paid_at=timezone.now(),
    )
    unpaid = _invoice(
        world.partner,
        punjab,
        price,
        MONTH,
        "INV-2026-000902",
        state=Invoice.State.FINALISED,
        payment_failed_at=timezone.now() - datetime.timedelta(days=2),
        stripe_hosted_url="https://invoice.stripe.example/i/in_902",
    )
    other_invoice = _invoice(
        other, sindh, price, MONTH, "INV-2026-000903", state=Invoice.State.FINALISED
    )
    for invoice in (paid, unpaid, other_invoice):
        invoice_changed(invoice=invoice)  # as Stripe's outcome does: opens the failed one's grace
    return Ledger(
        plan=plan,
        price=price,
        unpaid=unpaid,
        paid=paid,
        other_partner=other,
        other_invoice=other_invoice,
    )


def record_usage(
    tenant: Tenant, day: datetime.date, *, seats: int, storage_bytes: int, active: int = 1
) -> UsageRecord:
    return UsageRecord.objects.create(
        tenant=tenant,
        day=day,
        officers=seats + 1,
        officers_active=active,
        officers_active_month=seats,
        storage_bytes=storage_bytes,
    )


__all__ = ["MONTH", "Ledger", "PartnerMembership", "make_ledger", "record_usage", "staff"]
