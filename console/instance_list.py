"""Reads behind the console's list of instances: every tenant with its plan, figures, level and
health, searched, filtered and sorted in SQL.

Each figure is a correlated subquery on an index (usage by tenant and day, monthly figures by
tenant and month), so a page costs a fixed number of queries whatever the number of tenants,
and PostgreSQL evaluates the figures of the rows it returns only (it postpones the select
list's subqueries past the sort and the limit) unless a filter or sort needs them.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from billing.models import UsageAttempt, UsageRecord
from provisioning.models import ProvisioningAttempt, ProvisioningStep
from reports.levels import LEVELS, LIVE_STATES, level_case
from reports.models import MonthlyFigures
from reports.selectors import rule_in_force
from reports.selectors.freshness import cached_for, figures_version
from tenants.models import Domain, Tenant

PAGE_SIZE = 50
# A live tenant's figures are collected nightly: two days without a new record means the
# collection is not running for it.
STALE_AFTER = datetime.timedelta(days=2)
# No Sentry or log store is readable from here, so "errors in the last hour" counts the
# platform's own records of failed background work: failed usage collections and failed
# provisioning step runs.
ERROR_WINDOW = datetime.timedelta(hours=1)
PROVISIONING_STATES: tuple[str, ...] = (
    Tenant.State.APPROVED,
    Tenant.State.PROVISIONING,
    Tenant.State.PROVISIONING_FAILED,
)

# URL sort key -> the expression it orders by (a leading "-" in the URL reverses it).
SORTS: dict[str, str] = {
    "name": "name_key",
    "state": "state",
    "kind": "kind",
    "partner": "partner__name",
    "level": "level",
    "storage": "storage_bytes",
    "activity": "last_active",
}
DEFAULT_SORT = "name"


@contextlib.contextmanager
def without_jit() -> Iterator[None]:
    """Runs the block's queries without PostgreSQL's JIT compilation (until the transaction
    ends). The planner prices each per-tenant subquery as if it read a tenant's whole history,
    while it reads one index entry; over 5,000 tenants that estimate passes the JIT threshold,
    and compiling (about 250 ms measured) costs more than running the query."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (already tied to the outer tenant), 0 when none."""
    counted = queryset.order_by().values("tenant_ref").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def instances(
    *, partner_id: int | None = None, exclude_states: tuple[str, ...] = ()
) -> QuerySet[Tenant]:
    """Every tenant (or the partner's) annotated with what the list shows of it:

    - `active_seats` officers signed in this month up to the day (the seats billed),
      `storage_bytes`, `usage_day` and `collected_at`: from the in-force usage record of the
      latest recorded day (None before the first); officer accounts come from `rollup`
      (TenantRollup, recounted nightly and on demand);
    - `last_active`: the latest recorded day on which an officer signed in;
    - `level` (0 without figures) and `level_month`: the adoption level, under the rule in
      force, of the tenant's latest month of MonthlyFigures;
    - `failed_at`, `failed_day`, `failed_error`: the latest failed usage collection;
      `last_job_failed`: whether it came after the latest successful one;
    - `steps_total`, `steps_done`, `failed_step`, `provisioning_error`: the provisioning
      pipeline's steps and the error of its latest failed run;
    - `errors_last_hour`: failed collections and provisioning runs in the last hour;
    - `needs_attention`: provisioning failed, or a live tenant whose last collection failed or
      is older than STALE_AFTER (never collected counts from its registration).
    """
    now = timezone.now()
    stale = now - STALE_AFTER
    since = now - ERROR_WINDOW
    latest = UsageRecord.objects.filter(tenant=OuterRef("pk")).order_by("-day", "-revision")
    attempts = UsageAttempt.objects.filter(tenant=OuterRef("pk")).order_by("-at", "-id")
    runs_failed = ProvisioningAttempt.objects.filter(
        step__tenant=OuterRef("pk"), outcome=ProvisioningAttempt.Outcome.FAILED
    )
    figures = (
        MonthlyFigures.objects.filter(tenant=OuterRef("pk"))
        .annotate(level=level_case(rule_in_force()))
        .order_by("-month")
    )
    steps = ProvisioningStep.objects.filter(tenant=OuterRef("pk")).annotate(tenant_ref=F("tenant"))
    tenants = Tenant.objects.select_related(
        "partner", "parent", "rollup", "subscription__plan"
    ).prefetch_related("domains")
    if partner_id is not None:
        tenants = tenants.filter(partner_id=partner_id)
    if exclude_states:
        tenants = tenants.exclude(state__in=exclude_states)
    tenants = tenants.annotate(
        name_key=Lower("name"),
        active_seats=Subquery(latest.values("officers_active_month")[:1]),
        storage_bytes=Subquery(latest.values("storage_bytes")[:1]),
        usage_day=Subquery(latest.values("day")[:1]),
        collected_at=Subquery(latest.values("computed_at")[:1]),
        last_active=Subquery(
            UsageRecord.objects.filter(tenant=OuterRef("pk"), officers_active__gt=0)
            .order_by("-day")
            .values("day")[:1]
        ),
        level=Coalesce(Subquery(figures.values("level")[:1]), Value(0)),
        level_month=Subquery(figures.values("month")[:1]),
        failed_at=Subquery(attempts.values("at")[:1]),
        failed_day=Subquery(attempts.values("day")[:1]),
        failed_error=Subquery(attempts.values("error")[:1]),
        steps_total=_count(steps),
        steps_done=_count(steps.filter(state=ProvisioningStep.State.SUCCEEDED)),
        failed_step=Subquery(
            steps.filter(state=ProvisioningStep.State.FAILED)
            .order_by("position")
            .values("name")[:1]
        ),
        provisioning_error=Subquery(runs_failed.order_by("-started_at", "-id").values("error")[:1]),
        errors_last_hour=_count(
            UsageAttempt.objects.filter(tenant=OuterRef("pk"), at__gte=since).annotate(
                tenant_ref=F("tenant")
            )
        )
        + _count(runs_failed.filter(finished_at__gte=since).annotate(tenant_ref=F("step__tenant"))),
    )
    # Each reference to an annotation repeats its subquery in SQL, so the tests below name
    # the latest collection twice and the latest failure once. A tenant never collected
    # counts from its registration: a failure since then is a failed last job, and it is
    # stale once registered longer than STALE_AFTER ago.
    since_collected = Coalesce(F("collected_at"), F("created_at"))
    job_failed = Q(GreaterThan(F("failed_at"), since_collected))
    not_collected = Q(LessThan(since_collected, stale))
    return tenants.annotate(
        last_job_failed=Case(
            When(job_failed, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        needs_attention=Case(
            When(
                Q(state=Tenant.State.PROVISIONING_FAILED)
                | Q(state__in=LIVE_STATES) & (job_failed | not_collected),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


@dataclass(frozen=True)
class InstanceFilters:
    """What the list was asked for, each value already checked (a bad one is dropped)."""

    q: str = ""
    state: str = ""
    kind: str = ""
    partner: int | None = None
    level: int | None = None
    attention: bool = False
    sort: str = DEFAULT_SORT

    def as_query(self, **changes: object) -> dict[str, str]:
        """The filters as URL parameters (without the page), with `changes` applied."""
        values: dict[str, object] = {
            "q": self.q,
            "state": self.state,
            "kind": self.kind,
            "partner": self.partner,
            "level": self.level,
            "health": "attention" if self.attention else "",
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
        }
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value not in ("", None)}


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def filters_from(params: Mapping[str, str]) -> InstanceFilters:
    """The list's filters from a request's GET parameters; unknown values are ignored."""
    state = params.get("state", "")
    kind = params.get("kind", "")
    level = _int_or_none(params.get("level"))
    sort = params.get("sort", "")
    return InstanceFilters(
        q=params.get("q", "").replace("\x00", "").strip()[:100],
        state=state if state in Tenant.State.values else "",
        kind=kind if kind in Tenant.Kind.values else "",
        partner=_int_or_none(params.get("partner")),
        level=level if level in LEVELS else None,
        attention=params.get("health") == "attention",
        sort=sort if sort.removeprefix("-") in SORTS else DEFAULT_SORT,
    )


def filtered(tenants: QuerySet[Tenant], filters: InstanceFilters) -> QuerySet[Tenant]:
    """`tenants` (from instances()) narrowed and ordered by `filters`."""
    if filters.q:
        q = filters.q
        tenants = tenants.filter(
            Q(name__icontains=q)
            | Q(subdomain__icontains=q)
            | Q(partner__name__icontains=q)
            | Exists(Domain.objects.filter(tenant=OuterRef("pk"), domain__icontains=q))
        )
    if filters.state:
        tenants = tenants.filter(state=filters.state)
    if filters.kind:
        tenants = tenants.filter(kind=filters.kind)
    if filters.partner is not None:
        tenants = tenants.filter(partner_id=filters.partner)
    if filters.level is not None:
        tenants = tenants.filter(level=filters.level)
    if filters.attention:
        tenants = tenants.filter(needs_attention=True)
    descending = filters.sort.startswith("-")
    key = F(SORTS[filters.sort.removeprefix("-")])
    order = (
        OrderBy(key, descending=True, nulls_last=True)
        if descending
        else OrderBy(key, nulls_last=True)
    )
    return tenants.order_by(order, "name_key", "pk")


@dataclass(frozen=True)
class InstanceSummary:
    """Totals over a set of tenants, counted in one SQL aggregate."""

    total: int
    state_counts: list[tuple[Tenant.State, int]]
    level_counts: dict[int, int] = field(default_factory=dict)
    attention: int = 0
    errors_last_hour: int = 0
    counted: int = 0  # tenants whose officers were counted (a TenantRollup)
    officers: int = 0
    officers_signed_in_7d: int = 0
    active_seats: int | None = None  # None where not summed (see summarise)
    storage_bytes: int | None = None


def errors_since(tenants: QuerySet[Tenant], since: datetime.datetime) -> int:
    """Failed collections and failed provisioning runs of `tenants` since `since` (two
    counts over the failures, not a probe per tenant)."""
    scope = tenants.order_by().values("pk")
    collections = UsageAttempt.objects.filter(tenant__in=scope, at__gte=since).count()
    runs = ProvisioningAttempt.objects.filter(
        step__tenant__in=scope,
        outcome=ProvisioningAttempt.Outcome.FAILED,
        finished_at__gte=since,
    ).count()
    return collections + runs


# The summary is kept this long at most: "needs attention" and "errors in the last hour"
# also move with the clock, not only with new rows.
SUMMARY_SECONDS = 60


_VERSION_SQL = """
SELECT (SELECT max(id) FROM billing_usagerecord), (SELECT max(id) FROM billing_usageattempt),
       (SELECT max(id) FROM provisioning_provisioningattempt),
       (SELECT max(computed_at) FROM tenants_tenantrollup)
"""


def instances_version() -> str:
    """What the summary of the instances is summed from, in one cheap query: the report's
    figures' version and the latest usage record, failed collection, provisioning run and
    recount of officers (each an index's last entry or a small table)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        found = cursor.fetchone()
    return ":".join([figures_version(), *(str(value) for value in found)])


def summary_of(
    tenants: QuerySet[Tenant], *, scope: str, usage_totals: bool = False
) -> InstanceSummary:
    """summarise(), kept for instances_version() and SUMMARY_SECONDS: grouping every tenant
    by its state, level and health is the costliest read of the list. `scope` names which
    tenants `tenants` holds ("all", or a partner's)."""
    key = f"instances-summary:{scope}:{usage_totals}:{rule_in_force().pk}"
    return cached_for(
        instances_version(),
        key,
        lambda: summarise(tenants, usage_totals=usage_totals),
        seconds=SUMMARY_SECONDS,
    )


def summarise(tenants: QuerySet[Tenant], *, usage_totals: bool = False) -> InstanceSummary:
    """Counts by state and by level, those needing attention, errors of the last hour and the
    officers counted over `tenants` (from instances()); with `usage_totals`, the sums of
    active seats and storage too (a probe of the usage ledger per tenant: for a partner's
    tenants, not for all of them).

    The database groups the tenants by (state, level, needs attention), at most 90 groups
    whatever their number, so each tenant's subqueries run once; the groups are added here."""
    sums = {
        "n": Count("pk"),
        "counted": Count("rollup"),
        "officers_sum": Sum("rollup__officers", default=0),
        "signed_in_sum": Sum("rollup__officers_signed_in_7d", default=0),
    }
    if usage_totals:
        sums["seats_sum"] = Sum("active_seats", default=0)
        sums["storage_sum"] = Sum("storage_bytes", default=0)
    groups = tenants.order_by().values("state", "level", "needs_attention").annotate(**sums)
    by_state: Counter[str] = Counter()
    by_level: Counter[int] = Counter()
    totals: Counter[str] = Counter()
    for group in groups:
        by_state[group["state"]] += group["n"]
        by_level[group["level"]] += group["n"]
        totals["attention"] += group["n"] if group["needs_attention"] else 0
        for key in sums:
            totals[key] += group[key]
    return InstanceSummary(
        total=totals["n"],
        state_counts=[(state, by_state[state.value]) for state in Tenant.State],
        level_counts={level: by_level[level] for level in LEVELS},
        attention=totals["attention"],
        errors_last_hour=errors_since(tenants, timezone.now() - ERROR_WINDOW),
        counted=totals["counted"],
        officers=totals["officers_sum"],
        officers_signed_in_7d=totals["signed_in_sum"],
        active_seats=totals["seats_sum"] if usage_totals else None,
        storage_bytes=totals["storage_sum"] if usage_totals else None,
    )
