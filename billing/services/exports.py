"""Exports of billing data leave an audit entry: who took which figures out, when, from where."""

from __future__ import annotations

from django.db import transaction

from billing.models import BillingEvent


@transaction.atomic
def record_export(
    *, actor: str, what: str, rows: int, ip_address: str | None = None
) -> BillingEvent:
    """Audits a CSV export of `what` ("revenue", "outstanding") with its row count."""
    return BillingEvent.objects.create(
        actor=actor,
        action="export_csv",
        detail={"export": what, "rows": rows},
        ip_address=ip_address,
    )
