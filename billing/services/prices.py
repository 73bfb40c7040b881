"""A plan's prices change from a date on, never for a month already invoiced.

(Minimal version written by the portal helper for the console's price form; the ledger helper
owns this module and its full version replaces it.)
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from billing.models import BillingEvent, Invoice, InvoiceLine, Plan, PlanPrice

ISSUED_STATES = (Invoice.State.FINALISED, Invoice.State.PAID, Invoice.State.OVERDUE)


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
    """Records the plan's prices from `effective_from` on and audits it. Refused
    (ValidationError) when an issued invoice (finalised, paid or overdue) already bills a
    tenant on the plan for that day or later, so no invoiced month is ever rewritten, or when
    the plan already has a price from that very day."""
    Plan.objects.select_for_update().get(pk=plan.pk)  # price changes of a plan queue here
    billed = (
        InvoiceLine.objects.filter(
            plan=plan, invoice__state__in=ISSUED_STATES, last_day__gte=effective_from
        )
        .select_related("invoice")
        .order_by("-invoice__period_start")
        .first()
    )
    if billed is not None:
        raise ValidationError(
            f"{plan.name} is already invoiced for {billed.invoice.period_start:%B %Y} "
            f"({billed.invoice.number}); a new price can take effect from "
            f"{_first_of_next_month(billed.invoice.period_end):%d %B %Y} at the earliest."
        )
    if PlanPrice.objects.filter(plan=plan, effective_from=effective_from).exists():
        raise ValidationError(
            f"{plan.name} already has a price from {effective_from:%d %B %Y}; choose another day."
        )
    price = PlanPrice.objects.create(
        plan=plan,
        effective_from=effective_from,
        seat_price_minor=seat_price_minor,
        included_storage_gb=included_storage_gb,
        extra_gb_price_minor=extra_gb_price_minor,
        recorded_by=actor,
        reason=reason,
    )
    BillingEvent.objects.create(
        actor=actor,
        action="price_set",
        detail={
            "plan": plan.code,
            "effective_from": effective_from.isoformat(),
            "seat_price_minor": seat_price_minor,
            "included_storage_gb": included_storage_gb,
            "extra_gb_price_minor": extra_gb_price_minor,
            "reason": reason,
        },
        ip_address=ip_address,
    )
    return price


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
