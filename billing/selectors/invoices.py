"""Reads of invoices: a partner's own (never another's), the running month's estimate, and the
federal figures (revenue by partner and month, what is outstanding)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from billing.invoice_states import ISSUED, UNPAID
from billing.models import BillingEvent, Invoice, InvoiceLine, Plan
from billing.selectors.rated import rate_partner
from tenants.models import Partner, Tenant

State = Invoice.State


def invoices_of_partner(partner: Partner) -> QuerySet[Invoice]:
    """The partner's issued invoices (finalised, paid, overdue, void), newest month first;
    drafts are the platform's work in progress and are not shown to partners."""
    return (
        Invoice.objects.filter(partner=partner)
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


def estimate_running_month(
    partner: Partner, *, today: datetime.date | None = None
) -> dict[str, Any]:
    """What the partner would be billed for the running month if it ended today: unsaved
    lines from the usage recorded so far (days not yet collected are not counted, as at the
    month's end). {"month", "currency", "lines", "subtotal_minor", "tax_minor", "total_minor"}
    per currency, in a list; empty when nothing is recorded yet."""
    month = (today or timezone.localdate()).replace(day=1)
    return {
        "month": month,
        "invoices": [
            {
                "currency": rated.currency,
                "lines": rated.lines,
                "subtotal_minor": rated.subtotal_minor,
                "tax_percent": rated.tax_percent,
                "tax_minor": rated.tax_minor,
                "total_minor": rated.total_minor,
            }
            for rated in rate_partner(partner, month).values()
        ],
    }


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


def revenue_by_partner_and_month() -> list[dict[str, Any]]:
    """Per partner, month and currency: invoiced (issued, not void), paid and outstanding
    totals in the minor unit, newest month first."""
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
        {
            **row,
            "paid_minor": row["paid_minor"] or 0,
            "outstanding_minor": row["outstanding_minor"] or 0,
            "overdue_minor": row["overdue_minor"] or 0,
        }
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
