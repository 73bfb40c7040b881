"""Reads of the partner's ledger: its invoices, the running month's estimate, and the federal
figures over all partners.

(Minimal version written by the portal helper for its screens; the ledger helper owns this
module and its full version, with billing.rating, replaces it.)
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from billing.models import (
    BillingEvent,
    BillingTerm,
    Invoice,
    InvoiceLine,
    PlanPrice,
    UsageRecord,
)
from billing.money import to_minor
from billing.selectors.terms import terms_for_period
from billing.selectors.usage import usage_for_tenants
from tenants.models import Partner, Tenant

UNPAID_STATES = (Invoice.State.FINALISED, Invoice.State.OVERDUE)
GB = Decimal(10**9)  # storage is sold in decimal gigabytes, as object stores bill it


def invoices_of_partner(partner: Partner) -> QuerySet[Invoice]:
    """The partner's invoices other than drafts (which only federal administrators see),
    newest month first."""
    return (
        Invoice.objects.filter(partner=partner)
        .exclude(state=Invoice.State.DRAFT)
        .select_related("replaces")
        .order_by("-period_start", "-id")
    )


def invoice_of_partner(partner: Partner, pk: int) -> Invoice:
    """One of the partner's invoices with its lines; Http404 for any other (another partner's
    included), so a partner cannot even learn that an id exists."""
    invoice = (
        invoices_of_partner(partner)
        .select_related("partner")
        .prefetch_related("lines__tenant", "lines__plan")
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@dataclass(frozen=True)
class Estimate:
    """What the running month would be billed if it ended today: unsaved lines (never
    written), their total and the days they cover."""

    period_start: datetime.date
    through: datetime.date
    currency: str
    lines: list[InvoiceLine]

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


def estimate_running_month(partner: Partner, today: datetime.date | None = None) -> Estimate:
    """The running month's lines so far: for every tenant billed to the partner on any day of
    the month up to yesterday (the last finished day), rated on the usage recorded so far.
    Nothing is written."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    through = today - datetime.timedelta(days=1)
    lines: list[InvoiceLine] = []
    currency = "pkr"
    if through >= first:
        tenant_ids = set(
            BillingTerm.objects.filter(partner=partner, effective_from__lte=through).values_list(
                "tenant_id", flat=True
            )
        )
        tenants = Tenant.objects.filter(pk__in=tenant_ids).order_by("name")
        usage = usage_for_tenants(tenant_ids, first, through)
        month_days = calendar.monthrange(first.year, first.month)[1]
        for tenant in tenants:
            for run_first, run_last, term in terms_for_period(tenant, first, through):
                if term.partner_id != partner.pk or not term.billable:
                    continue
                records = [r for r in usage.get(tenant.pk, []) if run_first <= r.day <= run_last]
                line = _line(tenant, term, records, run_first, run_last, month_days, len(lines))
                if line is not None:
                    currency = term.plan.currency
                    lines.append(line)
    return Estimate(period_start=first, through=through, currency=currency, lines=lines)


def _line(
    tenant: Tenant,
    term: BillingTerm,
    records: list[UsageRecord],
    first: datetime.date,
    last: datetime.date,
    month_days: int,
    position: int,
) -> InvoiceLine | None:
    """One unsaved line for a run of days (seats of the run's last recorded day, storage
    averaged over its recorded days); None when no day of it was recorded."""
    price = (
        PlanPrice.objects.filter(plan=term.plan, effective_from__lte=last)
        .order_by("-effective_from", "-id")
        .first()
    )
    if price is None or not records:
        return None
    days = len(records)
    seats = records[-1].officers_active_month
    seat_amount = to_minor(
        Decimal(seats * price.seat_price_minor * days) / month_days / 100, term.plan.currency
    )
    average_gb = Decimal(sum(r.storage_bytes for r in records)) / days / GB
    over = max(Decimal(0), average_gb - price.included_storage_gb)
    storage_amount = to_minor(
        over * price.extra_gb_price_minor * days / month_days / 100, term.plan.currency
    )
    return InvoiceLine(
        position=position,
        tenant=tenant,
        description=f"{tenant.name}, {term.plan.name}, {first:%-d %b}–{last:%-d %b %Y}",
        plan=term.plan,
        price=price,
        first_day=first,
        last_day=last,
        days=days,
        month_days=month_days,
        seats=seats,
        seat_amount_minor=seat_amount,
        storage_gb=average_gb.quantize(Decimal("0.001")),
        storage_over_gb=over.quantize(Decimal("0.001")),
        storage_amount_minor=storage_amount,
        amount_minor=seat_amount + storage_amount,
        trace={"usage_record_ids": [r.pk for r in records], "days": [str(r.day) for r in records]},
    )


@dataclass(frozen=True)
class RevenueRow:
    partner_id: int
    partner_name: str
    month: datetime.date
    currency: str
    invoices: int
    invoiced_minor: int
    paid_minor: int
    outstanding_minor: int


def revenue_by_partner_and_month() -> list[RevenueRow]:
    """Per partner and month (and currency): invoices issued (void ones left out), the amount
    invoiced, paid and still outstanding; newest month first, then by partner name."""
    rows = (
        Invoice.objects.exclude(state__in=[Invoice.State.DRAFT, Invoice.State.VOID])
        .values("partner_id", "partner__name", "period_start", "currency")
        .annotate(
            invoices=Count("id"),
            invoiced=Sum("total_minor"),
            paid=Sum("total_minor", filter=Q(state=Invoice.State.PAID)),
            outstanding=Sum("total_minor", filter=Q(state__in=UNPAID_STATES)),
        )
        .order_by("-period_start", "partner__name", "currency")
    )
    return [
        RevenueRow(
            partner_id=row["partner_id"],
            partner_name=row["partner__name"],
            month=row["period_start"],
            currency=row["currency"],
            invoices=row["invoices"],
            invoiced_minor=row["invoiced"] or 0,
            paid_minor=row["paid"] or 0,
            outstanding_minor=row["outstanding"] or 0,
        )
        for row in rows
    ]


def outstanding_invoices() -> QuerySet[Invoice]:
    """Every finalised or overdue invoice (issued, not paid, not void), oldest due first."""
    return (
        Invoice.objects.filter(state__in=UNPAID_STATES)
        .select_related("partner")
        .order_by("due_on", "number")
    )


def invoice_events(invoice: Invoice) -> QuerySet[BillingEvent]:
    """The invoice's audit trail, newest first."""
    return BillingEvent.objects.filter(invoice=invoice).order_by("-at", "-id")
