"""The health of one instance, as its console page shows it: collections, failures,
provisioning errors, adoption level and the latest month's figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from billing.models import UsageAttempt, UsageRecord
from console.instance_list import instances
from provisioning.models import ProvisioningAttempt
from reports.models import MonthlyFigures
from reports.selectors import shares_of
from tenants.models import Tenant

RECENT_FAILURES = 10


@dataclass(frozen=True)
class TenantHealth:
    """`last_record`: the in-force record of the latest collected day; `last_failure`: the
    latest failed collection; `last_job_failed`: it came after the latest success."""

    last_record: UsageRecord | None
    last_failure: UsageAttempt | None
    last_job_failed: bool
    needs_attention: bool
    errors_last_hour: int
    recent_failures: list[UsageAttempt]
    provisioning_errors: list[ProvisioningAttempt]
    level: int
    figures: MonthlyFigures | None
    shares: dict[str, float | None]
    report_url: str | None


def report_url(month: datetime.date) -> str | None:
    """The federal report of `month`, or None where the report page is not installed."""
    try:
        return f"{reverse('console:report')}?month={month:%Y-%m}"
    except NoReverseMatch:
        return None


def health_of(tenant: Tenant) -> TenantHealth:
    """The tenant's health under the same rules as the list (console.instance_list)."""
    listed = instances().get(pk=tenant.pk)
    failures = list(
        UsageAttempt.objects.filter(tenant=tenant).order_by("-at", "-id")[:RECENT_FAILURES]
    )
    figures = MonthlyFigures.objects.filter(tenant=tenant).order_by("-month").first()
    return TenantHealth(
        last_record=UsageRecord.objects.filter(tenant=tenant).order_by("-day", "-revision").first(),
        last_failure=failures[0] if failures else None,
        last_job_failed=listed.last_job_failed,
        needs_attention=listed.needs_attention,
        errors_last_hour=listed.errors_last_hour,
        recent_failures=failures,
        provisioning_errors=list(
            ProvisioningAttempt.objects.filter(
                step__tenant=tenant, outcome=ProvisioningAttempt.Outcome.FAILED
            )
            .select_related("step")
            .order_by("-started_at", "-id")[:RECENT_FAILURES]
        ),
        level=listed.level,
        figures=figures,
        shares=shares_of(figures.__dict__) if figures else {},
        report_url=report_url(figures.month) if figures else None,
    )
