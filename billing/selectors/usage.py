"""Reads of the daily usage ledger: the record in force for each day, and the days missing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Max, QuerySet

from billing.models import BillingTerm, UsageAttempt, UsageRecord
from billing.rating import term_runs
from tenants.models import Tenant


def in_force(records: QuerySet[UsageRecord]) -> QuerySet[UsageRecord]:
    # PostgreSQL's DISTINCT ON keeps the first row of each (tenant, day) in this order: the
    # highest revision, which is the one in force (revisions only ever go up).
    return records.order_by("tenant_id", "day", "-revision").distinct("tenant_id", "day")


def latest_usage(
    tenant: Tenant, first_day: datetime.date, last_day: datetime.date
) -> list[UsageRecord]:
    """The record in force (highest revision) of each recorded day from `first_day` to
    `last_day` inclusive, in day order; a day without a record is absent, never zero."""
    return list(
        in_force(UsageRecord.objects.filter(tenant=tenant, day__gte=first_day, day__lte=last_day))
    )


def last_usage(tenant: Tenant) -> UsageRecord | None:
    """The record in force for the tenant's latest recorded day, or None before its first."""
    return UsageRecord.objects.filter(tenant=tenant).order_by("-day", "-revision").first()


def usage_for_tenants(
    tenant_ids: Iterable[int], first_day: datetime.date, last_day: datetime.date
) -> dict[int, list[UsageRecord]]:
    """For each of `tenant_ids`, what latest_usage gives, in one query whatever their number.

    Every id asked for is a key (with an empty list when it has no record in the period).
    """
    ids = list(tenant_ids)
    found: dict[int, list[UsageRecord]] = {tenant_id: [] for tenant_id in ids}
    records = UsageRecord.objects.filter(tenant_id__in=ids, day__gte=first_day, day__lte=last_day)
    for record in in_force(records):
        found[record.tenant_id].append(record)
    return found


def last_usage_for_tenants(tenant_ids: Iterable[int]) -> dict[int, UsageRecord]:
    """For each tenant that has one, what last_usage gives, in one query (the portal's list of
    a partner's tenants: seats, storage and last activity of each)."""
    records = (
        UsageRecord.objects.filter(tenant_id__in=list(tenant_ids))
        .order_by("tenant_id", "-day", "-revision")
        .distinct("tenant_id")
    )
    return {record.tenant_id: record for record in records}


def last_active_days(tenant_ids: Iterable[int]) -> dict[int, datetime.date]:
    """For each tenant id, the last recorded day on which an officer signed in (one query)."""
    rows = (
        UsageRecord.objects.filter(tenant_id__in=list(tenant_ids), officers_active__gt=0)
        .values("tenant_id")
        .annotate(last=Max("day"))
    )
    return {row["tenant_id"]: row["last"] for row in rows}


def billable_days(
    terms: Sequence[BillingTerm], first_day: datetime.date, last_day: datetime.date
) -> list[datetime.date]:
    """The days from `first_day` to `last_day` on which one tenant's terms make it billable.

    The term in force on a day is billing.rating.term_runs' (the latest effective on or before
    it, the latest recorded on a tie).
    """
    days: list[datetime.date] = []
    for run_first, run_last, term in term_runs(terms, first_day, last_day):
        if term.billable:
            days += [
                run_first + datetime.timedelta(days=n)
                for n in range((run_last - run_first).days + 1)
            ]
    return days


def missing_days(
    tenant: Tenant, first_day: datetime.date, last_day: datetime.date
) -> list[datetime.date]:
    """Days from `first_day` to `last_day` on which the tenant was billable and that have no
    usage record, in day order (what a back-fill collects, and what an invoice cannot charge)."""
    return missing_days_for_tenants(first_day, last_day, tenant_ids=[tenant.pk]).get(tenant.pk, [])


def missing_days_for_tenants(
    first_day: datetime.date,
    last_day: datetime.date,
    *,
    tenant_ids: Iterable[int] | None = None,
) -> dict[int, list[datetime.date]]:
    """missing_days for every tenant (or those of `tenant_ids`) with a billable day in the
    period, in two queries whatever their number; tenants missing nothing are left out."""
    terms = BillingTerm.objects.filter(effective_from__lte=last_day).order_by(
        "tenant_id", "effective_from", "id"
    )
    records = UsageRecord.objects.filter(day__gte=first_day, day__lte=last_day)
    if tenant_ids is not None:
        ids = list(tenant_ids)
        terms, records = terms.filter(tenant_id__in=ids), records.filter(tenant_id__in=ids)
    terms_by_tenant: dict[int, list[BillingTerm]] = defaultdict(list)
    for term in terms.only("tenant_id", "effective_from", "billable"):
        terms_by_tenant[term.tenant_id].append(term)
    recorded: set[tuple[int, datetime.date]] = set(records.values_list("tenant_id", "day"))
    missing: dict[int, list[datetime.date]] = {}
    for tenant_id, tenant_terms in terms_by_tenant.items():
        days = [
            day
            for day in billable_days(tenant_terms, first_day, last_day)
            if (tenant_id, day) not in recorded
        ]
        if days:
            missing[tenant_id] = days
    return missing


def usage_failures(
    tenant: Tenant, first_day: datetime.date, last_day: datetime.date
) -> QuerySet[UsageAttempt]:
    """The failed collections of the tenant's days in the period, newest first (why a day is
    missing)."""
    return UsageAttempt.objects.filter(tenant=tenant, day__gte=first_day, day__lte=last_day)
