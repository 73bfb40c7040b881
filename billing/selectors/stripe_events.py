"""Reads of the webhook log (for the federal billing screens)."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import StripeEvent


def stripe_events(*, unprocessed_only: bool = False, limit: int = 200) -> QuerySet[StripeEvent]:
    """The newest stored Stripe events first; with `unprocessed_only`, those not (yet)
    processed, e.g. failing ones (their `error` says why)."""
    events = StripeEvent.objects.order_by("-received_at", "-pk")
    if unprocessed_only:
        events = events.filter(processed_at__isnull=True)
    return events[:limit]
