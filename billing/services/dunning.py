"""Dunning: the grace period an unpaid invoice opens, and what follows when it ends."""

from __future__ import annotations

from billing.models import Invoice


def invoice_changed(*, invoice: Invoice) -> None:
    """Brings the invoice's grace period in line with its state (opens, closes); idempotent.

    Called whenever an invoice's payment state changes (webhook, reconciliation, void).
    """
