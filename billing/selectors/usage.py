"""Reads of the daily usage records: the highest revision of each day is the one in force.

(Minimal version written by the portal helper for its screens; the usage helper owns this
module and its full version replaces it.)
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from billing.models import UsageRecord
from tenants.models import Tenant


def usage_for_tenants(
    tenant_ids: Iterable[int], first_day: datetime.date, last_day: datetime.date
) -> dict[int, list[UsageRecord]]:
    """For each tenant id, its records from `first_day` to `last_day` (highest revision per
    day, day order), in one query; a tenant without records is absent."""
    records = (
        UsageRecord.objects.filter(
            tenant_id__in=list(tenant_ids), day__gte=first_day, day__lte=last_day
        )
        .order_by("tenant_id", "day", "-revision")
        .distinct("tenant_id", "day")
    )
    by_tenant: dict[int, list[UsageRecord]] = defaultdict(list)
    for record in records:
        by_tenant[record.tenant_id].append(record)
    return dict(by_tenant)


def latest_usage(
    tenant: Tenant, first_day: datetime.date, last_day: datetime.date
) -> list[UsageRecord]:
    """The tenant's records from `first_day` to `last_day`: highest revision per day, in day
    order; a day never measured has no record."""
    return usage_for_tenants([tenant.pk], first_day, last_day).get(tenant.pk, [])


def last_usage(tenant: Tenant) -> UsageRecord | None:
    """The tenant's most recent day on record (its highest revision), or None."""
    return UsageRecord.objects.filter(tenant=tenant).order_by("-day", "-revision").first()


def last_active_days(tenant_ids: Iterable[int]) -> dict[int, datetime.date]:
    """For each tenant id, the last recorded day on which an officer signed in (one query)."""
    rows = (
        UsageRecord.objects.filter(tenant_id__in=list(tenant_ids), officers_active__gt=0)
        .values("tenant_id")
        .annotate(last=Max("day"))
    )
    return {row["tenant_id"]: row["last"] for row in rows}
