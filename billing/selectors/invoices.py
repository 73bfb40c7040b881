"""Reads of invoices: a partner's own (never another's), the running month's estimate, and the
federal figures (revenue by partner and month, what is outstanding)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from billing.invoice_states import ISSUED, UNPAID
from billing.models import BillingEvent, Invoice, InvoiceLine, Plan
from billing.rating import RatedLine
from billing.selectors.rated import rate_partner
from tenants.models import Partner, Tenant

State = Invoice.State


def invoices_of_partner(partner: Partner) -> QuerySet[Invoice]:
    """The partner's issued invoices (finalised, paid, overdue, and void ones that had been
    issued), newest month first; drafts, and drafts voided before issue, are the platform's
    work in progress and are not shown to partners."""
    return (
        Invoice.objects.filter(partner=partner, finalised_at__isnull=False)
        .exclude(state=State.DRAFT)
        .order_by("-period_start", "-id")
    )


def invoice_of_partner(partner: Partner, pk: int) -> Invoice:
    """One of the partner's issued invoices; Http404 for a draft or another partner's (so an
    id guessed from another partner's says nothing of its existence)."""
    invoice = (
        invoices_of_partner(partner).filter(pk=pk).select_related("partner", "replaces").first()
    )
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def lines_of(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The invoice's lines in their order, with tenant, plan and price."""
    return invoice.lines.select_related("tenant", "plan", "price").order_by("position")


@dataclass(frozen=True)
class EstimatedLine:
    """One unsaved line of the running month, with the names a page shows beside it."""

    line: RatedLine
    tenant_name: str
    plan_name: str


@dataclass(frozen=True)
class EstimatedInvoice:
    currency: str
    lines: list[EstimatedLine]
    subtotal_minor: int
    tax_percent: Decimal
    tax_minor: int
    total_minor: int


@dataclass(frozen=True)
class Estimate:
    """The running month rated as if it ended today: one invoice per currency, and the last
    day whose usage is in it (None when no day of the month is recorded yet)."""

    month: datetime.date
    through: datetime.date | None
    invoices: list[EstimatedInvoice]


def estimate_running_month(partner: Partner, *, today: datetime.date | None = None) -> Estimate:
    """What the partner would be billed for the running month if it ended today: unsaved
    lines from the usage recorded so far, rated exactly as the month's end rates them (days
    not yet collected are not counted)."""
    month = (today or timezone.localdate()).replace(day=1)
    rated = list(rate_partner(partner, month).values())
    tenant_ids = {line.tenant_id for invoice in rated for line in invoice.lines}
    tenant_names = dict(Tenant.objects.filter(pk__in=tenant_ids).values_list("pk", "name"))
    plan_names = dict(Plan.objects.values_list("pk", "name"))
    invoices = [
        EstimatedInvoice(
            currency=invoice.currency,
            lines=[
                EstimatedLine(
                    line=line,
                    tenant_name=tenant_names.get(line.tenant_id, ""),
                    plan_name=plan_names.get(line.plan_id, ""),
                )
                for line in invoice.lines
            ],
            subtotal_minor=invoice.subtotal_minor,
            tax_percent=invoice.tax_percent,
            tax_minor=invoice.tax_minor,
            total_minor=invoice.total_minor,
        )
        for invoice in rated
    ]
    through = max((line.last_day for invoice in rated for line in invoice.lines), default=None)
    return Estimate(month=month, through=through, invoices=invoices)


def issued_line_from(
    *, day: datetime.date, plan: Plan | None = None, tenant: Tenant | None = None
) -> InvoiceLine | None:
    """The latest issued (finalised, paid or overdue) invoice's line of the plan and/or tenant
    for the month of `day` or a later one, or None: a change effective on `day` would alter what it
    billed (a price, plan or partner change must start in a month not yet invoiced)."""
    lines = InvoiceLine.objects.filter(
        invoice__state__in=ISSUED, invoice__period_end__gte=day.replace(day=1)
    )
    if plan is not None:
        lines = lines.filter(plan=plan)
    if tenant is not None:
        lines = lines.filter(tenant=tenant)
    return lines.select_related("invoice").order_by("-invoice__period_start").first()


@dataclass(frozen=True)
class RevenueRow:
    """One partner's month in one currency, in the minor unit."""

    partner_id: int
    partner_name: str
    month: datetime.date
    currency: str
    invoices: int
    invoiced_minor: int
    paid_minor: int
    outstanding_minor: int
    overdue_minor: int


def revenue_by_partner_and_month() -> list[RevenueRow]:
    """Per partner, month and currency: invoiced (issued, not void), paid, outstanding and
    overdue totals, newest month first."""
    rows = (
        Invoice.objects.filter(state__in=ISSUED)
        .annotate(month=TruncMonth("period_start"))
        .values("partner_id", "partner__name", "month", "currency")
        .annotate(
            invoices=Count("id"),
            invoiced_minor=Sum("total_minor"),
            paid_minor=Sum("total_minor", filter=Q(state=State.PAID)),
            outstanding_minor=Sum("total_minor", filter=Q(state__in=UNPAID)),
            overdue_minor=Sum("total_minor", filter=Q(state=State.OVERDUE)),
        )
        .order_by("-month", "partner__name", "currency")
    )
    return [
        RevenueRow(
            partner_id=row["partner_id"],
            partner_name=row["partner__name"],
            month=row["month"],
            currency=row["currency"],
            invoices=row["invoices"],
            invoiced_minor=row["invoiced_minor"] or 0,
            paid_minor=row["paid_minor"] or 0,
            outstanding_minor=row["outstanding_minor"] or 0,
            overdue_minor=row["overdue_minor"] or 0,
        )
        for row in rows
    ]


def outstanding_invoices() -> QuerySet[Invoice]:
    """Finalised and overdue invoices (unpaid), oldest due first."""
    return (
        Invoice.objects.filter(state__in=UNPAID)
        .select_related("partner")
        .order_by("due_on", "number")
    )


def invoice_events(invoice: Invoice) -> QuerySet[BillingEvent]:
    """The invoice's audit trail, oldest first (drafted, finalised, paid, voided …)."""
    return BillingEvent.objects.filter(invoice=invoice).order_by("at", "id")
