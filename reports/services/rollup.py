"""Rolling a tenant's daily usage records up into its MonthlyFigures of a month."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from billing.models import UsageRecord
from billing.selectors.usage import in_force, missing_days_for_tenants
from reports.models import MonthlyFigures
from reports.selectors.workshops import trained_counts

# The first key of the advisory locks that serialise roll-ups of one tenant (the second is its
# id); distinct from billing's (0x0B05) and provisioning's (0x0E0F, 0x0EA1).
ROLLUP_LOCK_SPACE = 0x0BE7
# The month's lock (second key: the month's ordinal): shared by the per-tenant roll-ups, which
# run side by side, exclusive for the set-based roll-up of every tenant (rollup_sets).
MONTH_LOCK_SPACE = 0x0BE8

# Per-day figures: the month's value is the sum over its recorded days.
SUMMED = {
    "receipts_electronic": "receipts_electronic",
    "receipts_physical": "receipts_physical",
    "files_opened": "files_opened",
    "files_closed": "files_closed",
    "closing_days_sum": "closing_days_sum",
}
# Month-to-date figures: the month's value is the last recorded day's.
MONTH_TO_DATE = {
    "files_opened_electronic": "files_opened_month_electronic",
    "files_opened_physical": "files_opened_month_physical",
    "files_active": "files_active_month",
    "file_posts_sum": "file_posts_sum_month",
    "letters_electronic": "letters_electronic_month",
    "letters_post": "letters_post_month",
}


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_of_month(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _local_today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _number(figures: Mapping[str, Any], key: str) -> int:
    value = figures.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def figures_of_month(records: list[UsageRecord]) -> dict[str, Any]:
    """MonthlyFigures' values (but days_missing, officers_trained) from a month's in-force
    records in day order: pure, so the rule is tested on its own."""
    values: dict[str, Any] = {key: 0 for key in SUMMED}
    values.update({key: 0 for key in MONTH_TO_DATE})
    values.update(
        days_recorded=len(records),
        pendency_measured=False,
        pending_over_7=0,
        pending_over_30=0,
        worst_posts=[],
        officers=0,
        officers_active=0,
        storage_bytes=0,
        last_day=None,
    )
    for record in records:
        for field, key in SUMMED.items():
            values[field] += _number(record.figures, key)
    if records:
        last = records[-1]
        for field, key in MONTH_TO_DATE.items():
            values[field] = _number(last.figures, key)
        values.update(
            officers=last.officers,
            officers_active=last.officers_active_month,
            storage_bytes=last.storage_bytes,
            last_day=last.day,
        )
    measured = [record for record in records if record.figures.get("pendency_measured")]
    if measured:
        snapshot = measured[-1].figures
        worst = snapshot.get("pending_worst_posts")
        values.update(
            pendency_measured=True,
            pending_over_7=_number(snapshot, "pending_over_7"),
            pending_over_30=_number(snapshot, "pending_over_30"),
            worst_posts=list(worst)[:10] if isinstance(worst, list) else [],
        )
    return values


def _lock(tenant_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK_SPACE, tenant_id])


def lock_month(month: datetime.date, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [MONTH_LOCK_SPACE, month.toordinal()])


@transaction.atomic
def roll_up_month(*, tenant_id: int, month: datetime.date) -> MonthlyFigures:
    """Rebuilds the tenant's MonthlyFigures of `month` (any day of it) from the in-force
    usage records of its days and its workshops, and returns it.

    Idempotent: the same records give the same row, whatever was there before and however
    often it runs; concurrent roll-ups of a tenant wait for each other. A month without any
    record still gets its row (days_recorded 0, its billable days missing).
    """
    month = first_of_month(month)
    last = last_of_month(month)
    lock_month(month, exclusive=False)
    _lock(tenant_id)
    records = list(
        in_force(UsageRecord.objects.filter(tenant_id=tenant_id, day__gte=month, day__lte=last))
    )
    values = figures_of_month(records)
    finished = min(last, _local_today() - datetime.timedelta(days=1))
    missing = (
        missing_days_for_tenants(month, finished, tenant_ids=[tenant_id]).get(tenant_id, [])
        if finished >= month
        else []
    )
    values["days_missing"] = len(missing)
    values["officers_trained"] = trained_counts([tenant_id], last)[tenant_id]
    figures, _ = MonthlyFigures.objects.update_or_create(
        tenant_id=tenant_id, month=month, defaults=values
    )
    return figures


def tenants_to_roll_up(month: datetime.date) -> list[int]:
    """The tenants with a usage record in the month or a row for it already (one query)."""
    month = first_of_month(month)
    recorded = UsageRecord.objects.filter(
        day__gte=month, day__lte=last_of_month(month)
    ).values_list("tenant_id", flat=True)
    rolled = MonthlyFigures.objects.filter(month=month).values_list("tenant_id", flat=True)
    return sorted(set(recorded.union(rolled)))
