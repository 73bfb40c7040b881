"""Rolling tenants' usage up into MonthlyFigures, and telling each tenant what was published.

roll_up(tenant_id, month_iso) runs after every usage record (reports.receivers); it rebuilds
the month's row in the public schema and then writes the tenant's copy, "as data", into its own
schema through eoffice.services.reported.record_reported_month (the e-office never reads the
control plane). roll_up_all(month_iso), on demand, rebuilds every tenant's row of a month in one
statement (reports.services.rollup_sets: the same rows, 60,000 tenant-months in seconds rather
than a task each) and queues tell_tenant, the tenant's copy only, for each serving tenant.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import OperationalError
from django_tenants.utils import (
    get_public_schema_name,
    schema_context,
    schema_exists,
    tenant_context,
)

from config.celery import app
from eoffice.services.reported import record_reported_month
from reports.definitions import FIGURES, level_rule_text
from reports.levels import level_of
from reports.models import MonthlyFigures
from reports.selectors.rules import rule_in_force
from reports.services.rollup import roll_up_month
from reports.services.rollup_sets import roll_up_month_for_all
from tenants.lifecycle import SERVING_STATES
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def published_figures(figures: MonthlyFigures) -> dict[str, Any]:
    """The row's figures by the report's keys (reports.definitions.FIGURES), JSON-ready."""
    values: dict[str, Any] = {key: getattr(figures, key) for key, _, _ in FIGURES}
    values["worst_posts"] = figures.worst_posts
    values["last_day"] = figures.last_day.isoformat() if figures.last_day else None
    return values


def _record_in_tenant(tenant: Tenant, figures: MonthlyFigures) -> bool:
    """Writes the month's published figures, level and rule into the tenant's schema; False
    when it has no schema."""
    if not schema_exists(tenant.schema_name):
        return False
    rule = rule_in_force()
    level = level_of(
        {key: getattr(figures, key) for key in _LEVEL_FIELDS}, state=tenant.state, rule=rule
    )
    with tenant_context(tenant):
        record_reported_month(
            month=figures.month,
            figures=published_figures(figures),
            level=level,
            level_rule=level_rule_text(rule),
        )
    return True


_LEVEL_FIELDS = [field.name for field in MonthlyFigures._meta.concrete_fields]


@app.task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def roll_up(tenant_id: int, month_iso: str) -> int | None:
    """Rebuilds the tenant's MonthlyFigures of the month (an ISO date, any day of it), tells
    the tenant, and returns the row's id; None for a tenant that does not exist."""
    month = datetime.date.fromisoformat(month_iso).replace(day=1)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            return None
        figures = roll_up_month(tenant_id=tenant_id, month=month)
        # Only a serving e-office is told: an archived one is frozen, a deleted one gone.
        if tenant.state in SERVING_STATES:
            _record_in_tenant(tenant, figures)
        return figures.pk


@app.task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def tell_tenant(tenant_id: int, month_iso: str) -> bool:
    """Writes the tenant's MonthlyFigures of the month, as they stand, into its schema (what
    roll_up does after its roll-up); False when there is nothing to tell: no such tenant or
    row, an e-office not serving, or no schema."""
    month = datetime.date.fromisoformat(month_iso).replace(day=1)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        figures = MonthlyFigures.objects.filter(tenant_id=tenant_id, month=month).first()
        if tenant is None or figures is None or tenant.state not in SERVING_STATES:
            return False
        return _record_in_tenant(tenant, figures)


@app.task(acks_late=True)
def roll_up_all(month_iso: str) -> int:
    """Rebuilds the month's MonthlyFigures of every tenant with a usage record in it (or a
    row for it already) in one statement, then queues tell_tenant for each serving one;
    returns how many rows were rebuilt."""
    month = datetime.date.fromisoformat(month_iso).replace(day=1)
    with schema_context(get_public_schema_name()):
        rebuilt = roll_up_month_for_all(month)
        serving = list(
            MonthlyFigures.objects.filter(month=month, tenant__state__in=SERVING_STATES)
            .order_by("tenant_id")
            .values_list("tenant_id", flat=True)
        )
    for tenant_id in serving:
        tell_tenant.delay(tenant_id, month.isoformat())
    return rebuilt
