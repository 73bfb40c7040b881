"""Ledger test data written straight into billing's tables: partners, tenants with terms,
days of usage (what the usage collection and lifecycle receiver write in production)."""

from __future__ import annotations

import datetime
import itertools

from billing.models import BillingTerm, Plan, PlanPrice, UsageRecord
from tenants.models import Partner, Tenant
from tenants.services import create_partner, register_tenant

MARCH = datetime.date(2026, 3, 1)
GB = 10**9
_serial = itertools.count(1)


def partner(name: str) -> Partner:
    return create_partner(name=name, contact_email=f"{name.lower().replace(' ', '-')}@p.example")


def tenant(
    name: str,
    *,
    billed_to: Partner | None,
    plan: str = "standard",
    since: datetime.date = datetime.date(2026, 1, 1),
) -> Tenant:
    made = register_tenant(
        name=name,
        kind=Tenant.Kind.DEPARTMENT,
        subdomain=f"ledger{next(_serial)}x{abs(hash(name)) % 10_000}",
        partner=billed_to,
        actor="test",
    )
    term(made, billed_to=billed_to, plan=plan, since=since)
    return made


def term(
    tenant: Tenant,
    *,
    billed_to: Partner | None,
    plan: str = "standard",
    since: datetime.date,
    billable: bool = True,
) -> BillingTerm:
    return BillingTerm.objects.create(
        tenant=tenant,
        partner=billed_to,
        plan=Plan.objects.get(code=plan),
        effective_from=since,
        billable=billable,
        recorded_by="test",
    )


def usage(
    tenant: Tenant,
    days: range,
    *,
    month: datetime.date = MARCH,
    seats: int = 10,
    storage_gb: int = 0,
    revision: int = 0,
) -> list[UsageRecord]:
    return UsageRecord.objects.bulk_create(
        UsageRecord(
            tenant=tenant,
            day=month.replace(day=n),
            revision=revision,
            officers=seats + 5,
            officers_active=min(seats, 3),
            officers_active_month=seats,
            storage_bytes=storage_gb * GB,
            recomputed_by="test" if revision else "",
        )
        for n in days
    )


def standard_price() -> PlanPrice:
    """The standard plan's launch price (billing 0005): Rs 1,200 a seat, 50 GB, Rs 60 a GB."""
    return PlanPrice.objects.get(plan__code="standard", effective_from=datetime.date(2026, 1, 1))
