"""The invoices rating makes now, not saved: what month end compares with the invoices it
finds, and what a partner sees as the running month's estimate. Reads only."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from billing.models import BillingTerm
from billing.rating import RatedLine, month_bounds, rate_tenant_month, tax_minor
from billing.rating_inputs import MonthInputs, month_inputs
from tenants.models import Partner

# (partner id, currency): one invoice per partner, month and currency.
Key = tuple[int, str]


@dataclass
class RatedInvoice:
    """An invoice as rating makes it, not saved: its lines and totals."""

    partner_id: int
    currency: str
    period_start: datetime.date
    period_end: datetime.date
    lines: list[RatedLine]
    subtotal_minor: int
    tax_percent: Decimal
    tax_minor: int
    total_minor: int


def tax_percent() -> Decimal:
    return Decimal(settings.BILLING_TAX_PERCENT)


def rate_inputs(
    inputs: MonthInputs, *, refused: dict[int, str] | None = None
) -> dict[Key, RatedInvoice]:
    """Every tenant of `inputs` rated and its lines gathered per partner and currency.

    A tenant that cannot be rated (a plan without a price on a billed day: set up wrongly,
    never a free day) raises ValueError, unless `refused` is given: then each partner it was
    billed to that month is left out whole (never billed for part of its tenants) and named
    in `refused` (partner id → why), and every other partner is rated.
    """
    lines: dict[Key, list[RatedLine]] = defaultdict(list)
    left_out: set[int] = set()
    for tenant_id, terms in inputs.terms_by_tenant.items():
        usage = inputs.usage_by_tenant.get(tenant_id, [])
        if not usage:
            continue
        try:
            rated_lines = rate_tenant_month(
                tenant_id=tenant_id,
                month=inputs.first_day,
                terms=terms,
                prices_by_plan=inputs.prices_by_plan,
                usage=usage,
            )
        except ValueError as error:
            if refused is None:
                raise
            partners = {t.partner_id for t in terms if t.partner_id is not None}
            for partner_id in partners:
                refused.setdefault(partner_id, f"tenant {tenant_id}: {error}")
            left_out |= partners
            continue
        for line in rated_lines:
            lines[(line.partner_id, inputs.plans[line.plan_id].currency)].append(line)
    for key in [key for key in lines if key[0] in left_out]:
        del lines[key]
    percent = tax_percent()
    rated: dict[Key, RatedInvoice] = {}
    for (partner_id, currency), partner_lines in lines.items():
        partner_lines.sort(key=lambda line: (line.tenant_id, line.first_day))
        subtotal = sum(line.amount_minor for line in partner_lines)
        tax = tax_minor(subtotal, percent)
        rated[(partner_id, currency)] = RatedInvoice(
            partner_id=partner_id,
            currency=currency,
            period_start=inputs.first_day,
            period_end=inputs.last_day,
            lines=partner_lines,
            subtotal_minor=subtotal,
            tax_percent=percent,
            tax_minor=tax,
            total_minor=subtotal + tax,
        )
    return rated


def rate_partner(partner: Partner, month: datetime.date) -> dict[str, RatedInvoice]:
    """The partner's invoices for the month as rating makes them now, by currency (unsaved):
    every tenant it was billed for on any day up to the month's end is rated."""
    _, last = month_bounds(month)
    tenant_ids = (
        BillingTerm.objects.filter(partner=partner, effective_from__lte=last)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    # An estimate of a partner whose plan cannot be rated is empty rather than an error page.
    rated = rate_inputs(month_inputs(month, tenant_ids=list(tenant_ids)), refused={})
    return {currency: invoice for (pid, currency), invoice in rated.items() if pid == partner.pk}
