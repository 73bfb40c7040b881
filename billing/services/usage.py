"""Recording a tenant's daily usage in the control plane's append-only ledger."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction

from billing.models import BillingEvent, UsageAttempt, UsageRecord
from billing.signals import usage_recorded
from tenants.models import Tenant

# The first key of the advisory locks that serialise writes of one tenant's usage (the second
# is the tenant's id); distinct from provisioning's lock spaces (0x0E0F, 0x0EA1).
USAGE_LOCK_SPACE = 0x0B05


def _lock_tenant_usage(tenant: Tenant) -> None:
    # Two collections of the same day (a nightly run and a back-fill, or a task delivered
    # twice) would both see no record and race for revision 0; the lock makes the second wait
    # and then find the first's record. Released at the end of the transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [USAGE_LOCK_SPACE, tenant.pk])


@transaction.atomic
def record_usage(
    *,
    tenant: Tenant,
    day: datetime.date,
    officers: int,
    officers_active: int,
    officers_active_month: int,
    storage_bytes: int,
    figures: dict[str, Any] | None = None,
    recomputed_by: str = "",
) -> UsageRecord:
    """Records the tenant's figures for `day` and returns the record now in force for it.

    A collection (`recomputed_by` empty) of a day that already has a record writes nothing and
    returns that day's latest record unchanged, whatever figures it was given: a re-run, a
    task delivered twice or a back-fill never changes a collected day. A recomputation
    (`recomputed_by` names who asked) always appends the next revision and audits it with the
    figures before and after; readers take the highest revision (billing.selectors.usage).
    A record written sends billing.signals.usage_recorded once the transaction commits.
    """
    _lock_tenant_usage(tenant)
    latest = UsageRecord.objects.filter(tenant=tenant, day=day).order_by("-revision").first()
    if latest is not None and not recomputed_by:
        return latest
    record = UsageRecord.objects.create(
        tenant=tenant,
        day=day,
        revision=0 if latest is None else latest.revision + 1,
        officers=officers,
        officers_active=officers_active,
        officers_active_month=officers_active_month,
        storage_bytes=storage_bytes,
        figures=figures or {},
        recomputed_by=recomputed_by,
    )
    if recomputed_by:
        BillingEvent.objects.create(
            actor=recomputed_by,
            action="usage_recomputed",
            partner_id=tenant.partner_id,
            tenant=tenant,
            detail={
                "day": day.isoformat(),
                "revision": record.revision,
                "before": _figures_of(latest) if latest else None,
                "after": _figures_of(record),
            },
        )
    tenant_id = tenant.pk
    transaction.on_commit(
        lambda: usage_recorded.send(sender=UsageRecord, tenant_id=tenant_id, day=day)
    )
    return record


def _figures_of(record: UsageRecord) -> dict[str, int]:
    return {
        "officers": record.officers,
        "officers_active": record.officers_active,
        "officers_active_month": record.officers_active_month,
        "storage_bytes": record.storage_bytes,
    }


@transaction.atomic
def record_usage_failure(*, tenant: Tenant, day: datetime.date, error: str) -> UsageAttempt:
    """Records that collecting the tenant's `day` failed and why, so the missing day is shown
    with its reason (the day itself stays without a record: never invented)."""
    return UsageAttempt.objects.create(tenant=tenant, day=day, error=error[:4000])
