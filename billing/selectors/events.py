"""Reads of billing's audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import BillingEvent


def billing_events(*, action: str | None = None) -> QuerySet[BillingEvent]:
    """Billing events, newest first, with their partner, tenant and invoice; only `action`'s
    when given."""
    events = BillingEvent.objects.select_related("partner", "tenant", "invoice").order_by(
        "-at", "-id"
    )
    return events.filter(action=action) if action else events
