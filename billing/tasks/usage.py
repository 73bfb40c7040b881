"""Collecting each tenant's daily usage from its schema into the control plane's ledger.

The nightly run (collect_all_usage, beat at 00:30 in settings.TIME_ZONE) queues one
collect_usage per tenant and day, so a slow or failing tenant delays only its own record; it
asks for yesterday and for every billable day of the last BACKFILL_DAYS that still has no
record, so a night the worker was down is back-filled, never invented. A collected day is
never changed by a re-run (billing.services.usage.record_usage); a correction is an explicit
recompute_usage, which appends the next revision and is audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import OperationalError, transaction
from django.utils import timezone
from django_tenants.utils import (
    get_public_schema_name,
    schema_context,
    schema_exists,
    tenant_context,
)

from billing.selectors.terms import term_on
from billing.selectors.usage import missing_days_for_tenants
from billing.services.usage import record_usage, record_usage_failure
from config.celery import app
from config.heavy_work import FairTask
from eoffice.selectors.figures import day_figures, pendency_snapshot
from eoffice.selectors.usage import DailyUsage, usage_on, work_on
from tenants.models import Tenant

# How far back the nightly run looks for days without a record.
BACKFILL_DAYS = 40


def local_today() -> datetime.date:
    """Today in settings.TIME_ZONE: the calendar the usage days are counted in."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def finished_day(day_iso: str) -> datetime.date:
    """The day named, refused (ValueError) unless it is over: today and later days are still
    changing, and a record of them would be wrong by the evening."""
    day = datetime.date.fromisoformat(day_iso)
    if day >= local_today():
        raise ValueError(f"{day} is not over yet; only finished days are collected.")
    return day


class UsageCollectionTask(FairTask):
    """The app's task class (it carries the schema) that also records a collection failed for
    good (after its retries) as a UsageAttempt."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        tenant_id = kwargs.get("tenant_id", args[0] if args else None)
        day_iso = kwargs.get("day_iso", args[1] if len(args) > 1 else None)
        if tenant_id is None or day_iso is None or isinstance(exc, ValueError):
            return  # a refused request (a day not over), not a failed collection
        with schema_context(get_public_schema_name()):
            tenant = Tenant.objects.filter(pk=tenant_id).first()
            if tenant is not None:
                record_usage_failure(
                    tenant=tenant,
                    day=datetime.date.fromisoformat(day_iso),
                    error=f"{type(exc).__name__}: {exc}",
                )


def _figures_in_schema(
    tenant: Tenant, day: datetime.date
) -> tuple[DailyUsage, dict[str, Any]] | None:
    """The day's usage and its further figures (the federal report's), read in the tenant's
    schema; None when the schema is gone. What lies in trays (pendency) can only be read now,
    so it is among the figures only when the day collected is yesterday."""
    if not schema_exists(tenant.schema_name):
        return None  # a deleted tenant (or one not provisioned): nothing to read, nothing made up
    # One transaction for the day's reads; a read that fails rolls back only itself.
    with tenant_context(tenant), transaction.atomic():
        figures: dict[str, Any] = {**work_on(day), **day_figures(day)}
        today = local_today()
        if day == today - datetime.timedelta(days=1):
            figures.update(pendency_snapshot(today))
        return usage_on(day), figures


@app.task(
    base=UsageCollectionTask,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def collect_usage(tenant_id: int, day_iso: str) -> int | None:
    """Collects one tenant's finished day and returns the id of the record in force for it.

    Runs the e-office's usage_on inside the tenant's schema and records the figures from the
    public schema. Idempotent: a day already collected is returned unchanged. None (nothing
    recorded) when the tenant was not billable that day or its schema is gone. A database that
    is unreachable is retried with backoff; a collection that fails for good is recorded as a
    UsageAttempt with its error, and the day stays missing.
    """
    day = finished_day(day_iso)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        term = term_on(tenant, day) if tenant is not None else None
        if tenant is None or term is None or not term.billable:
            return None
        read = _figures_in_schema(tenant, day)
        if read is None:
            return None
        usage, figures = read
        return record_usage(tenant=tenant, day=day, figures=figures, **usage).pk


@app.task(acks_late=True)
def collect_all_usage(day_iso: str | None = None) -> int:
    """Queues collect_usage for `day_iso` (yesterday by default) for every tenant billable
    that day, and for every billable day of the BACKFILL_DAYS before it without a record.

    Returns how many collections were queued; days already collected are not queued again.
    """
    last = finished_day(day_iso) if day_iso else local_today() - datetime.timedelta(days=1)
    first = last - datetime.timedelta(days=BACKFILL_DAYS - 1)
    with schema_context(get_public_schema_name()):
        missing = missing_days_for_tenants(first, last)
        # A deleted tenant has no schema to read its missing days from any more.
        gone = set(
            Tenant.objects.filter(pk__in=list(missing), state=Tenant.State.DELETED).values_list(
                "pk", flat=True
            )
        )
    queued = 0
    for tenant_id, days in sorted(missing.items()):
        if tenant_id in gone:
            continue
        for day in days:
            collect_usage.delay(tenant_id, day.isoformat())
            queued += 1
    return queued


@app.task(acks_late=True)
def recompute_usage(tenant_id: int, day_iso: str, actor: str) -> int | None:
    """Reads a finished day of the tenant again and records it as the day's next revision
    (audited as `usage_recomputed` by `actor`); returns its id, or None when the schema is
    gone. Meant for a correction asked for on purpose, never for the nightly run."""
    if not actor.strip():
        raise ValueError("A recomputation names who asked for it.")
    day = finished_day(day_iso)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.get(pk=tenant_id)
        read = _figures_in_schema(tenant, day)
        if read is None:
            return None
        usage, figures = read
        return record_usage(
            tenant=tenant, day=day, figures=figures, recomputed_by=actor, **usage
        ).pk
