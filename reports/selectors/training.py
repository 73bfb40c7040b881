"""Training against use, per tenant: the console's training list in one query.

The figures come from the same places as the report's: officer accounts and officers active
from the tenant's latest MonthlyFigures row, officers trained as reports.selectors.workshops.
trained_counts counts them (so the list and the report never disagree), computed in SQL so the
list sorts and pages in the database whatever the number of tenants.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from reports.models import MonthlyFigures, Workshop, WorkshopAttendee
from reports.selectors.workshops import _PERSON
from tenants.models import Tenant

# Tenants that never became an e-office have no officers to train.
NOT_LISTED = (Tenant.State.APPLIED, Tenant.State.REJECTED)
SORTS = ("name", "trained", "active")


def _scalar(rows: QuerySet[Any, Any]) -> Subquery:
    return Subquery(rows[:1], output_field=IntegerField())


def training_overview(
    *,
    until: datetime.date,
    tenant_ids: Collection[int] | None = None,
    search: str = "",
    sort: str = "name",
) -> QuerySet[Tenant]:
    """Tenants (of `tenant_ids`, or all; their name containing `search`) annotated with
    `officers`, `officers_active` and `figures_month` of their latest month with figures
    (None without figures), `trained` (officers trained by workshops held up to `until`, not
    withdrawn), `workshops` (held, not withdrawn) and `last_workshop` (its date, or None).

    `sort` is "name", "trained" or "active" (the latter two highest first, then by name);
    anything else sorts by name. One query whatever the number of tenants.
    """
    tenants = Tenant.objects.exclude(state__in=list(NOT_LISTED))
    if tenant_ids is not None:
        tenants = tenants.filter(pk__in=list(tenant_ids))
    if search.strip():
        tenants = tenants.filter(name__icontains=search.strip())
    latest = MonthlyFigures.objects.filter(tenant=OuterRef("pk")).order_by("-month")
    live = Workshop.objects.filter(
        tenant=OuterRef("pk"), withdrawn_at__isnull=True, date__lte=until
    )
    counted = live.values("tenant").annotate(n=Sum("attendee_count")).values("n")
    named = (
        WorkshopAttendee.objects.filter(
            workshop__tenant=OuterRef("pk"),
            workshop__withdrawn_at__isnull=True,
            workshop__date__lte=until,
        )
        .values("workshop__tenant")
        .annotate(n=Count(_PERSON, distinct=True))
        .values("n")
    )
    held = live.values("tenant").annotate(n=Count("pk"), last=Max("date"))
    tenants = tenants.annotate(
        officers=_scalar(latest.values("officers")),
        officers_active=_scalar(latest.values("officers_active")),
        figures_month=Subquery(latest.values("month")[:1]),
        trained=Coalesce(_scalar(counted), Value(0)) + Coalesce(_scalar(named), Value(0)),
        workshops=Coalesce(_scalar(held.values("n")), Value(0)),
        last_workshop=Subquery(held.values("last")[:1]),
    )
    if sort == "trained":
        return tenants.order_by(F("trained").desc(), "name", "pk")
    if sort == "active":
        return tenants.order_by(F("officers_active").desc(nulls_last=True), "name", "pk")
    return tenants.order_by("name", "pk")


def training_in_use(trained: int, active: int | None) -> str:
    """How training compares with use: "none" (no one trained), "unknown" (no figures of
    use), "short" (more trained than active: training not yet turned into use) or "used"."""
    if not trained:
        return "none"
    if active is None:
        return "unknown"
    return "short" if trained > active else "used"
