"""The billing audit trail: one append-only BillingEvent per state-changing action."""

from __future__ import annotations

from typing import Any

from billing.models import BillingEvent, Invoice
from tenants.models import Partner, Tenant


def record_billing_event(
    *,
    actor: str,
    action: str,
    partner: Partner | None = None,
    tenant: Tenant | None = None,
    invoice: Invoice | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> BillingEvent:
    """Writes the event in the caller's transaction (it stands or falls with the change).
    An invoice's partner is recorded with it when no partner is given."""
    partner_id: int | None = partner.pk if partner is not None else None
    if invoice is not None and partner is None:
        partner_id = invoice.partner_id
    return BillingEvent.objects.create(
        actor=actor or "system",
        action=action,
        partner_id=partner_id,
        tenant=tenant,
        invoice=invoice,
        detail=detail or {},
        ip_address=ip_address,
    )
