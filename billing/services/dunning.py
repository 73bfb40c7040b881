"""Dunning: the grace period an unpaid invoice opens, and what follows when it ends."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.models import BillingEvent, Invoice


def invoice_changed(*, invoice: Invoice) -> None:
    """Brings the invoice's grace period in line with its state (opens, closes); idempotent.

    Called whenever an invoice's payment state changes (webhook, reconciliation, void).
    """


@transaction.atomic
def grant_extension(
    *,
    invoice: Invoice,
    until: datetime.date,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> BillingEvent:
    """A federal administrator moves the end of the invoice's grace period to `until`
    (audited). Refused (ValidationError) for an invoice that is not unpaid or a day not in
    the future.

    (Minimal version written by the portal helper: the extension is the audit entry, which
    billing.selectors.dunning reads; the dunning helper's version records it on GracePeriod
    and lifts an expired billing hold.)
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.state not in (Invoice.State.FINALISED, Invoice.State.OVERDUE):
        raise ValidationError(
            f"{invoice} is {invoice.get_state_display().lower()}: no grace to extend."
        )
    if until <= timezone.localdate():
        raise ValidationError("An extension ends on a day after today.")
    event = BillingEvent.objects.create(
        actor=actor,
        action="grace_extended",
        partner_id=invoice.partner_id,
        invoice=invoice,
        detail={"until": until.isoformat(), "reason": reason},
        ip_address=ip_address,
    )
    invoice_changed(invoice=invoice)
    return event
