"""Reads of dunning: which unpaid invoices are in their grace period, until when.

(Minimal version written by the portal helper for its screens, derived from the invoices
alone; the dunning helper owns this module and its version, reading GracePeriod, replaces it.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from billing.models import BillingEvent, Invoice, InvoiceLine
from tenants.models import Partner, Tenant

DEFAULT_GRACE_DAYS = 14


@dataclass(frozen=True)
class GraceNotice:
    """An unpaid invoice in its grace period: what is owed and the day read-only begins."""

    invoice: Invoice
    amount_minor: int
    currency: str
    number: str
    ends_on: datetime.date

    @property
    def days_left(self) -> int:
        return max(0, (self.ends_on - timezone.localdate()).days)


def _notice(invoice: Invoice) -> GraceNotice | None:
    if invoice.state not in (Invoice.State.FINALISED, Invoice.State.OVERDUE):
        return None
    started: datetime.date | None = None
    if invoice.payment_failed_at is not None:
        started = timezone.localdate(invoice.payment_failed_at)
    elif invoice.due_on is not None and invoice.due_on < timezone.localdate():
        started = invoice.due_on
    if started is None:
        return None
    grace_days = max(
        (line.plan.grace_days for line in invoice.lines.all()), default=DEFAULT_GRACE_DAYS
    )
    ends_on = started + datetime.timedelta(days=grace_days)
    extension = (
        BillingEvent.objects.filter(invoice=invoice, action="grace_extended")
        .order_by("-at", "-id")
        .first()
    )
    if extension is not None:
        ends_on = max(ends_on, datetime.date.fromisoformat(extension.detail["until"]))
    return GraceNotice(
        invoice=invoice,
        amount_minor=invoice.total_minor,
        currency=invoice.currency,
        number=invoice.number or "",
        ends_on=ends_on,
    )


def grace_notice_of_invoice(invoice: Invoice) -> GraceNotice | None:
    """The invoice's grace notice, or None when it is paid, void or not yet late."""
    return _notice(invoice)


def _unpaid(**filters: object) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            state__in=[Invoice.State.FINALISED, Invoice.State.OVERDUE], **filters
        )
        .select_related("partner")
        .prefetch_related("lines__plan")
        .order_by("due_on", "number")
    )


def grace_notices_for_partner(partner: Partner) -> list[GraceNotice]:
    """The partner's unpaid invoices whose payment failed or whose due date passed, soonest
    end of grace first."""
    notices = [_notice(i) for i in _unpaid(partner=partner)]
    return sorted((n for n in notices if n), key=lambda n: n.ends_on)


def grace_notice_for_tenant(tenant: Tenant) -> GraceNotice | None:
    """The grace notice of the earliest-ending unpaid invoice with a line for the tenant."""
    lines = InvoiceLine.objects.filter(tenant=tenant).values("invoice_id")
    notices = [_notice(i) for i in _unpaid(pk__in=lines)]
    return min((n for n in notices if n), key=lambda n: n.ends_on, default=None)


@dataclass(frozen=True)
class TenantInGrace:
    tenant: Tenant
    notice: GraceNotice


def tenants_in_grace() -> list[TenantInGrace]:
    """Every tenant with a line on an invoice in grace, with the earliest-ending notice."""
    notices = {n.invoice.pk: n for n in (_notice(i) for i in _unpaid()) if n}
    found: dict[int, TenantInGrace] = {}
    lines = InvoiceLine.objects.filter(invoice_id__in=notices).select_related("tenant")
    for line in lines:
        notice = notices[line.invoice_id]
        held = found.get(line.tenant_id)
        if held is None or notice.ends_on < held.notice.ends_on:
            found[line.tenant_id] = TenantInGrace(tenant=line.tenant, notice=notice)
    return sorted(found.values(), key=lambda t: (t.notice.ends_on, t.tenant.name))
