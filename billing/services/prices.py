"""Plan prices: a change takes effect from a date and never rewrites a month already billed."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from billing.audit import record_billing_event
from billing.models import Plan, PlanPrice
from billing.selectors.invoices import issued_line_from


@transaction.atomic
def set_price(
    *,
    plan: Plan,
    effective_from: datetime.date,
    seat_price_minor: int,
    included_storage_gb: int,
    extra_gb_price_minor: int,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> PlanPrice:
    """Records the plan's prices from `effective_from` on (until a later price), audited.

    Refused (ValidationError, nothing written) when the date falls in, or before, a month
    already invoiced (finalised, paid or overdue) for a tenant on the plan, since a past
    invoice is never rewritten; when the plan already has a price from that very day (a price
    row is never changed: record the correction from another day); and for negative amounts
    or an empty reason.
    """
    if not reason.strip():
        raise ValidationError("Say why the price changes; the reason is kept with it.")
    if min(seat_price_minor, included_storage_gb, extra_gb_price_minor) < 0:
        raise ValidationError("Prices and included storage cannot be negative.")
    Plan.objects.select_for_update().get(pk=plan.pk)  # one price change of a plan at a time
    billed = issued_line_from(day=effective_from, plan=plan)
    if billed is not None:
        raise ValidationError(
            f"{billed.invoice.period_start:%B %Y} is already invoiced for a tenant on "
            f"{plan.name} ({billed.invoice.number}); a new price can take effect from "
            f"{long_date(first_of_month_after(billed.invoice.period_end))} at the earliest.",
            code="month_invoiced",
        )
    if PlanPrice.objects.filter(plan=plan, effective_from=effective_from).exists():
        raise ValidationError(
            f"{plan.name} already has a price from {long_date(effective_from)}; prices are "
            "never changed: record the new one from another day.",
            code="price_exists",
        )
    price = PlanPrice.objects.create(
        plan=plan,
        effective_from=effective_from,
        seat_price_minor=seat_price_minor,
        included_storage_gb=included_storage_gb,
        extra_gb_price_minor=extra_gb_price_minor,
        recorded_by=actor,
        reason=reason.strip()[:300],
    )
    record_billing_event(
        actor=actor,
        action="price.set",
        detail={
            "plan": plan.code,
            "price_id": price.pk,
            "effective_from": effective_from.isoformat(),
            "seat_price_minor": seat_price_minor,
            "included_storage_gb": included_storage_gb,
            "extra_gb_price_minor": extra_gb_price_minor,
            "reason": price.reason,
        },
        ip_address=ip_address,
    )
    return price


def first_of_month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def long_date(day: datetime.date) -> str:
    """'1 April 2026'."""
    return f"{day.day} {day:%B %Y}"
