"""Rolling tenants' usage up into MonthlyFigures, and telling each tenant what was published.

roll_up(tenant_id, month_iso) runs after every usage record (reports.receivers); it rebuilds
the month's row in the public schema and then writes the tenant's copy, "as data", into its own
schema through eoffice.services.reported.record_reported_month (the e-office never reads the
control plane). roll_up_all(month_iso) queues it for every tenant of a month, on demand.
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
from reports.services.rollup import roll_up_month, tenants_to_roll_up
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


@app.task(acks_late=True)
def roll_up_all(month_iso: str) -> int:
    """Queues roll_up for every tenant with a usage record in the month (or a row for it
    already); returns how many were queued."""
    month = datetime.date.fromisoformat(month_iso).replace(day=1)
    with schema_context(get_public_schema_name()):
        tenant_ids = tenants_to_roll_up(month)
    for tenant_id in tenant_ids:
        roll_up.delay(tenant_id, month.isoformat())
    return len(tenant_ids)
