"""The bulk reads rating needs for a month: every term, price and day of usage in a few queries.

Reads only (a selector in all but its folder: it serves billing.rating rather than screens).
The bench rates 2,000 tenants * 30 days, so nothing here runs a query per tenant.

Usage is read as billing.selectors.usage reads it (the highest revision of each tenant's day,
one DISTINCT ON query), as plain tuples.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from billing.models import BillingTerm, Plan, PlanPrice, UsageRecord
from billing.rating import month_bounds
from billing.selectors.usage import in_force


class DayUsage(NamedTuple):
    """The figures rating reads of one UsageRecord (the highest revision of its day): read as
    plain tuples, since building 60,000 model instances would cost most of a month's rating."""

    pk: int
    day: datetime.date
    officers_active_month: int
    storage_bytes: int


@dataclass
class MonthInputs:
    """Everything needed to rate one month: terms by tenant, prices by plan, usage by tenant."""

    first_day: datetime.date
    last_day: datetime.date
    terms_by_tenant: dict[int, list[BillingTerm]]
    prices_by_plan: dict[int, list[PlanPrice]]
    usage_by_tenant: dict[int, list[DayUsage]]
    plans: dict[int, Plan]


def latest_usage_by_tenant(
    tenant_ids: Iterable[int] | None, first_day: datetime.date, last_day: datetime.date
) -> dict[int, list[DayUsage]]:
    """The highest revision of each recorded day from `first_day` to `last_day`, per tenant,
    in day order (all tenants when `tenant_ids` is None); one query."""
    records = UsageRecord.objects.filter(day__gte=first_day, day__lte=last_day)
    if tenant_ids is not None:
        records = records.filter(tenant_id__in=list(tenant_ids))
    by_tenant: dict[int, list[DayUsage]] = defaultdict(list)
    rows = in_force(records).values_list(
        "tenant_id", "pk", "day", "officers_active_month", "storage_bytes"
    )
    for tenant_id, pk, day, officers_active_month, storage_bytes in rows:
        by_tenant[tenant_id].append(DayUsage(pk, day, officers_active_month, storage_bytes))
    return dict(by_tenant)


def month_inputs(month: datetime.date, *, tenant_ids: Iterable[int] | None = None) -> MonthInputs:
    """The terms, prices and usage of the month `month` falls in, for `tenant_ids` (every
    tenant with a term by the month's end when None); four queries whatever the count."""
    first, last = month_bounds(month)
    terms = BillingTerm.objects.filter(effective_from__lte=last)
    if tenant_ids is not None:
        tenant_ids = list(tenant_ids)
        terms = terms.filter(tenant_id__in=tenant_ids)
    terms_by_tenant: dict[int, list[BillingTerm]] = defaultdict(list)
    for term in terms.order_by("tenant_id", "effective_from", "id"):
        terms_by_tenant[term.tenant_id].append(term)
    plans = {plan.pk: plan for plan in Plan.objects.all()}
    prices_by_plan: dict[int, list[PlanPrice]] = defaultdict(list)
    for price in PlanPrice.objects.filter(effective_from__lte=last).order_by(
        "plan_id", "effective_from"
    ):
        prices_by_plan[price.plan_id].append(price)
    return MonthInputs(
        first_day=first,
        last_day=last,
        terms_by_tenant=dict(terms_by_tenant),
        prices_by_plan=dict(prices_by_plan),
        usage_by_tenant=latest_usage_by_tenant(list(terms_by_tenant), first, last),
        plans=plans,
    )
