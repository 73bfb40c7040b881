"""Reads of dunning: who is in grace, what the banners say, which billing holds are due.

Selectors never write; provisioning.tasks.apply_billing_holds turns billing_holds_due and
billing_holds_to_lift into holds placed and lifted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.invoice_states import UNPAID
from billing.models import GracePeriod, Invoice, InvoiceLine
from tenants.lifecycle import SERVING_STATES
from tenants.models import Partner, Tenant
from tenants.selectors import open_billing_holds

UNPAID_STATES = tuple(UNPAID)  # billing.invoice_states' one set


@dataclass(frozen=True)
class GraceNotice:
    """What a banner says of one unpaid invoice in grace: how much, by when, and whether the
    grace has ended (the e-offices are read-only then). For a tenant, `amount_minor` is its
    own share of the invoice; for the partner, the invoice's total."""

    invoice_id: int
    invoice_number: str
    amount_minor: int
    currency: str
    last_day: datetime.date
    ended: bool
    hosted_url: str = ""

    @property
    def days_left(self) -> int:
        """Whole days from today until the last writable day (0 on it, negative after)."""
        return (self.last_day - timezone.localdate()).days


@dataclass(frozen=True)
class TenantInGrace:
    tenant: Tenant
    partner: Partner
    invoice_id: int
    invoice_number: str
    amount_minor: int
    currency: str
    last_day: datetime.date
    read_only: bool  # a billing hold for the invoice is on the tenant

    @property
    def days_left(self) -> int:
        return (self.last_day - timezone.localdate()).days


@dataclass(frozen=True)
class HoldChange:
    """A billing hold to place on (or lift from) one tenant, for one invoice."""

    tenant_id: int
    reference: str
    reason: str


def open_grace_periods(partner: Partner | None = None) -> list[GracePeriod]:
    """Every open grace period of an unpaid invoice (of `partner`'s, if given), the soonest
    last day first."""
    graces = GracePeriod.objects.filter(closed_at__isnull=True, invoice__state__in=UNPAID_STATES)
    if partner is not None:
        graces = graces.filter(invoice__partner=partner)
    return list(
        graces.select_related("invoice", "invoice__partner")
        .annotate(last=Coalesce("extended_to", "ends_on"))
        .order_by("last", "id")
    )


def grace_notices_for_partner(partner: Partner) -> list[GraceNotice]:
    """The partner's invoices in grace (or past it, unpaid), the soonest last day first."""
    today = timezone.localdate()
    return [
        GraceNotice(
            invoice_id=grace.invoice_id,
            invoice_number=grace.invoice.number or "",
            amount_minor=grace.invoice.total_minor,
            currency=grace.invoice.currency,
            last_day=grace.last_day,
            ended=grace.has_ended(today),
            hosted_url=grace.invoice.stripe_hosted_url,
        )
        for grace in open_grace_periods(partner)
    ]


def grace_notice_of_invoice(invoice: Invoice) -> GraceNotice | None:
    """The invoice's own grace (its total, its last writable day); None when it is not in an
    open grace period."""
    grace = (
        GracePeriod.objects.filter(
            invoice=invoice, closed_at__isnull=True, invoice__state__in=UNPAID_STATES
        )
        .select_related("invoice")
        .first()
    )
    if grace is None:
        return None
    return GraceNotice(
        invoice_id=grace.invoice_id,
        invoice_number=grace.invoice.number or "",
        amount_minor=grace.invoice.total_minor,
        currency=grace.invoice.currency,
        last_day=grace.last_day,
        ended=grace.has_ended(timezone.localdate()),
        hosted_url=grace.invoice.stripe_hosted_url,
    )


def grace_notice_for_tenant(tenant: Tenant) -> GraceNotice | None:
    """The unpaid invoice in grace with the soonest last day that charges this tenant, with the
    tenant's own share of it (never the partner's other tenants' charges); None if none."""
    today = timezone.localdate()
    graces = (
        GracePeriod.objects.filter(
            closed_at__isnull=True,
            invoice__state__in=UNPAID_STATES,
            invoice__lines__tenant=tenant,
        )
        .select_related("invoice")
        .annotate(last=Coalesce("extended_to", "ends_on"))
        .order_by("last", "id")
        .distinct()
    )
    grace = graces.first()
    if grace is None:
        return None
    share = InvoiceLine.objects.filter(invoice_id=grace.invoice_id, tenant=tenant).aggregate(
        amount=Sum("amount_minor")
    )["amount"]
    return GraceNotice(
        invoice_id=grace.invoice_id,
        invoice_number=grace.invoice.number or "",
        amount_minor=int(share or 0),
        currency=grace.invoice.currency,
        last_day=grace.last_day,
        ended=grace.has_ended(today),
    )


def tenants_in_grace() -> list[TenantInGrace]:
    """Every tenant charged on an unpaid invoice in grace or past it (read-only for it), for
    the federal view; by last day, then tenant name."""
    graces = {grace.invoice_id: grace for grace in open_grace_periods()}
    held = {
        (hold.tenant_id, hold.reference)
        for hold in open_billing_holds().only("tenant_id", "reference")
    }
    rows = (
        InvoiceLine.objects.filter(invoice_id__in=graces)
        .values("invoice_id", "tenant_id")
        .annotate(amount=Sum("amount_minor"))
    )
    tenants = Tenant.objects.in_bulk({row["tenant_id"] for row in rows})
    found = []
    for row in rows:
        grace, tenant = graces[row["invoice_id"]], tenants[row["tenant_id"]]
        number = grace.invoice.number or ""
        found.append(
            TenantInGrace(
                tenant=tenant,
                partner=grace.invoice.partner,
                invoice_id=grace.invoice_id,
                invoice_number=number,
                amount_minor=int(row["amount"]),
                currency=grace.invoice.currency,
                last_day=grace.last_day,
                read_only=(tenant.pk, number) in held,
            )
        )
    return sorted(found, key=lambda row: (row.last_day, row.tenant.name))


def billing_holds_due(today: datetime.date | None = None) -> list[HoldChange]:
    """The billing holds to place now: each serving tenant charged on an unpaid invoice whose
    grace has ended (its last day is before `today`, in settings.TIME_ZONE) and that holds no
    open billing hold for that invoice yet."""
    today = today or timezone.localdate()
    ended = [grace for grace in open_grace_periods() if grace.last_day < today]
    numbers = {grace.invoice_id: grace.invoice.number for grace in ended if grace.invoice.number}
    held = {
        (hold.tenant_id, hold.reference)
        for hold in open_billing_holds().filter(reference__in=list(numbers.values()))
    }
    charged = (
        InvoiceLine.objects.filter(invoice_id__in=numbers, tenant__state__in=list(SERVING_STATES))
        .values_list("invoice_id", "tenant_id")
        .distinct()
        .order_by("invoice_id", "tenant_id")
    )
    return [
        HoldChange(tenant_id=tenant_id, reference=number, reason=f"Unpaid invoice {number}")
        for invoice_id, tenant_id in charged
        if (tenant_id, number := numbers[invoice_id]) not in held
    ]


def billing_holds_to_lift(today: datetime.date | None = None) -> list[HoldChange]:
    """The open billing holds to lift now. A hold is for one invoice; what decides is the
    invoice that stands for it now (the last re-issue of it, if it was voided and replaced):
    lifted when that is paid or void, when it no longer charges the tenant, when the tenant is
    held for it under its own number already, or when its grace was extended past `today`."""
    today = today or timezone.localdate()
    holds = list(open_billing_holds())
    if not holds:
        return []
    held = {(hold.tenant_id, hold.reference) for hold in holds}
    lifting = []
    for hold in holds:
        why = _why_lift(hold.tenant_id, hold.reference, held, today)
        if why:
            lifting.append(
                HoldChange(tenant_id=hold.tenant_id, reference=hold.reference, reason=why)
            )
    return lifting


def current_invoice(invoice: Invoice) -> Invoice:
    """The invoice that stands for `invoice` now: itself, or the last of its re-issues."""
    while invoice.state == Invoice.State.VOID:
        following = Invoice.objects.filter(replaces=invoice).first()
        if following is None:
            break
        invoice = following
    return invoice


def _why_lift(
    tenant_id: int, reference: str, held: set[tuple[int, str]], today: datetime.date
) -> str:
    invoice = Invoice.objects.filter(number=reference).first()
    if invoice is None:
        return "the invoice is unknown"
    current = current_invoice(invoice)
    number = current.number or ""
    if current.state == Invoice.State.PAID:
        return f"invoice {number} paid"
    if current.state == Invoice.State.VOID:
        return f"invoice {number} voided"
    if not InvoiceLine.objects.filter(invoice=current, tenant_id=tenant_id).exists():
        return f"not charged on invoice {number}"
    if number != reference and (tenant_id, number) in held:
        return f"replaced by invoice {number}"
    grace = GracePeriod.objects.filter(invoice=current, closed_at__isnull=True).first()
    if grace is not None and grace.last_day >= today:
        return f"grace extended to {grace.last_day:%d %B %Y}"
    return ""
