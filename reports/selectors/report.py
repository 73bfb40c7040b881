"""The federal implementation report of a month, its trend, and tenants' levels.

Every read here takes a fixed number of queries whatever the number of tenants (the report:
two; the trend: two; levels: one). Levels are computed in SQL (reports.levels.level_case), so
ranking and counting by level happen in the database.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from reports.levels import LEVELS, LIVE_STATES, level_case
from reports.models import AdoptionRule, MonthlyFigures
from reports.selectors.freshness import cached_for, figures_version, scope_key
from reports.selectors.ids import AnyOf
from reports.selectors.rules import rule_in_force
from tenants.models import Tenant

# MonthlyFigures' numbers, in the report's order: what rows carry and groups sum.
NUMBERS: tuple[str, ...] = (
    "days_recorded",
    "days_missing",
    "officers",
    "officers_active",
    "officers_trained",
    "receipts_electronic",
    "receipts_physical",
    "files_opened",
    "files_opened_electronic",
    "files_opened_physical",
    "files_closed",
    "closing_days_sum",
    "files_active",
    "file_posts_sum",
    "pending_over_7",
    "pending_over_30",
    "letters_electronic",
    "letters_post",
    "storage_bytes",
)
REL = "month_figures"


@dataclass(frozen=True)
class TenantRow:
    """One tenant in the month's report (zeros and level 0 when it has no figures)."""

    tenant_id: int
    name: str
    kind: str
    state: str
    parent_id: int | None
    parent_name: str
    group_id: int
    group_name: str
    partner_id: int | None
    partner_name: str
    has_figures: bool
    figures: dict[str, int]
    pendency_measured: bool
    worst_posts: list[dict[str, Any]]
    last_day: datetime.date | None
    shares: dict[str, float | None]
    level: int


@dataclass(frozen=True)
class GroupRow:
    """The tenants under one top ancestor (a federal ministry with its attached departments, a
    province with its departments; a tenant without a parent heads its own group): figures
    summed, shares recomputed from the sums."""

    group_id: int
    name: str
    kind: str
    tenant_ids: list[int]
    figures: dict[str, int]
    shares: dict[str, float | None]
    level_counts: dict[int, int]


@dataclass(frozen=True)
class Report:
    month: datetime.date
    rule: AdoptionRule
    rows: list[TenantRow]  # ranked: level, then active share, highest first; then name
    groups: list[GroupRow]  # by name
    level_counts: dict[int, int]  # every level 0–4 is a key
    totals: dict[str, int]
    shares: dict[str, float | None]


@dataclass(frozen=True)
class TrendMonth:
    month: datetime.date
    tenants: int  # tenants with a row for the month
    figures: dict[str, int]
    shares: dict[str, float | None]
    level_counts: dict[int, int]


@dataclass(frozen=True)
class Trend:
    months: list[datetime.date]  # oldest first
    totals: list[TrendMonth]  # one per month, same order
    # For each tenant asked for: share name → one value per month (None without figures).
    series: dict[int, dict[str, list[float | None]]] = field(default_factory=dict)
    levels: dict[int, list[int]] = field(default_factory=dict)


def _ratio(part: int, whole: int, scale: float = 100.0) -> float | None:
    return round(part * scale / whole, 1) if whole else None


def shares_of(figures: Mapping[str, int]) -> dict[str, float | None]:
    """The derived shares (percentages, one decimal) and averages of a tenant's or a sum's
    figures (reports.definitions.SHARES); None where the whole is zero."""
    n = {key: int(figures.get(key) or 0) for key in NUMBERS}
    electronic = n["receipts_electronic"] + n["files_opened_electronic"]
    counted = electronic + n["receipts_physical"] + n["files_opened_physical"]
    return {
        "trained_share": _ratio(n["officers_trained"], n["officers"]),
        "active_share": _ratio(n["officers_active"], n["officers"]),
        "electronic_share": _ratio(electronic, counted),
        "letters_electronic_share": _ratio(
            n["letters_electronic"], n["letters_electronic"] + n["letters_post"]
        ),
        "average_closing_days": _ratio(n["closing_days_sum"], n["files_closed"], 1.0),
        "average_posts_per_file": _ratio(n["file_posts_sum"], n["files_active"], 1.0),
    }


def _local_month() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)


def _scoped(tenants: QuerySet[Tenant], tenant_ids: Collection[int] | None) -> QuerySet[Tenant]:
    return tenants if tenant_ids is None else tenants.filter(AnyOf("pk", tenant_ids))


def _month_tenants(
    month: datetime.date, rule: AdoptionRule, tenant_ids: Collection[int] | None
) -> QuerySet[Tenant]:
    """Tenants in the month's report (live ones, and any with figures for the month), with
    the month's figures joined as `month_figures` and their `level` annotated."""
    tenants = Tenant.objects.annotate(
        **{REL: FilteredRelation("monthly_figures", condition=Q(monthly_figures__month=month))}
    )
    return (
        _scoped(tenants, tenant_ids)
        .filter(Q(state__in=list(LIVE_STATES)) | Q(**{f"{REL}__id__isnull": False}))
        .annotate(
            level=level_case(rule, prefix=f"{REL}__", state="state"),
            active_rank=Cast(F(f"{REL}__officers_active"), FloatField())
            / NullIf(F(f"{REL}__officers"), 0),
        )
    )


def _groups_of(
    ids: Iterable[int], tenant_ids: Collection[int] | None
) -> dict[int, tuple[int, str, str]]:
    """Each tenant's top ancestor (id, name, kind) within the scope, from one query of the
    tenants' tree: a partner's department under a ministry the partner does not operate heads
    its own group, and the ministry is never named."""
    tenants = Tenant.objects.all()
    if tenant_ids is not None:
        tenants = tenants.filter(AnyOf("pk", tenant_ids))
    tree = {
        pk: (parent, name, kind)
        for pk, parent, name, kind in tenants.values_list("pk", "parent_id", "name", "kind")
    }
    found: dict[int, tuple[int, str, str]] = {}
    for pk in ids:
        top, seen = pk, {pk}
        while True:
            parent = tree.get(top, (None,))[0]
            if parent is None or parent not in tree or parent in seen:
                break
            top = parent
            seen.add(top)
        _, name, kind = tree.get(top, (None, "", ""))
        found[pk] = (top, name, kind)
    return found


def tenant_row(
    value: Mapping[str, Any], *, group_id: int, group_name: str, parent_named: bool
) -> TenantRow:
    """A report row from a `values()` row of _month_tenants (its figures under REL)."""
    numbers = {key: int(value[f"{REL}__{key}"] or 0) for key in NUMBERS}
    return TenantRow(
        tenant_id=value["pk"],
        name=value["name"],
        kind=value["kind"],
        state=value["state"],
        parent_id=value["parent_id"],
        parent_name=(value["parent__name"] or "") if parent_named else "",
        group_id=group_id,
        group_name=group_name,
        partner_id=value["partner_id"],
        partner_name=value["partner__name"] or "",
        has_figures=value[f"{REL}__id"] is not None,
        figures=numbers,
        pendency_measured=bool(value[f"{REL}__pendency_measured"]),
        worst_posts=list(value[f"{REL}__worst_posts"] or []),
        last_day=value[f"{REL}__last_day"],
        shares=shares_of(numbers),
        level=value["level"],
    )


def _sum(rows: Iterable[TenantRow]) -> dict[str, int]:
    totals = dict.fromkeys(NUMBERS, 0)
    for row in rows:
        for key in NUMBERS:
            totals[key] += row.figures[key]
    return totals


def _counts(levels: Iterable[int]) -> dict[int, int]:
    counted = Counter(levels)
    return {level: counted.get(level, 0) for level in LEVELS}


def report(month: datetime.date, *, tenant_ids: Collection[int] | None = None) -> Report:
    """The month's report (any day of it) over every tenant, or those of `tenant_ids` (a
    partner's): the live tenants and any with figures for the month, ranked; their groups by
    top ancestor; the count of tenants at each level; totals and their shares. The level
    rule is the one in force now. Two queries whatever the number of tenants."""
    month = month.replace(day=1)
    rule = rule_in_force()
    fields = [f"{REL}__{key}" for key in (*NUMBERS, "id", "pendency_measured", "worst_posts")]
    values = (
        _month_tenants(month, rule, tenant_ids)
        .values(
            "pk",
            "name",
            "kind",
            "state",
            "parent_id",
            "parent__name",
            "partner_id",
            "partner__name",
            "level",
            f"{REL}__last_day",
            *fields,
        )
        .order_by("-level", F("active_rank").desc(nulls_last=True), "name", "pk")
    )
    found = list(values)
    scoped = set(tenant_ids or ())
    groups = _groups_of((value["pk"] for value in found), tenant_ids)
    rows = []
    for value in found:
        group_id, group_name, _ = groups[value["pk"]]
        # A parent outside the scope (another partner's ministry) is not named.
        named = tenant_ids is None or value["parent_id"] in scoped
        rows.append(tenant_row(value, group_id=group_id, group_name=group_name, parent_named=named))
    by_group: dict[int, list[TenantRow]] = defaultdict(list)
    for row in rows:
        by_group[row.group_id].append(row)
    group_rows = []
    for group_id, members in by_group.items():
        summed = _sum(members)
        _, name, kind = groups[members[0].tenant_id]
        group_rows.append(
            GroupRow(
                group_id=group_id,
                name=name,
                kind=kind,
                tenant_ids=[row.tenant_id for row in members],
                figures=summed,
                shares=shares_of(summed),
                level_counts=_counts(row.level for row in members),
            )
        )
    group_rows.sort(key=lambda group: (group.name, group.group_id))
    totals = _sum(rows)
    return Report(
        month=month,
        rule=rule,
        rows=rows,
        groups=group_rows,
        level_counts=_counts(row.level for row in rows),
        totals=totals,
        shares=shares_of(totals),
    )


def level_counts(
    month: datetime.date, *, tenant_ids: Collection[int] | None = None
) -> dict[int, int]:
    """How many of the month's report tenants are at each level (every level a key), counted
    in SQL in one query."""
    rule = rule_in_force()
    counted = (
        _month_tenants(month.replace(day=1), rule, tenant_ids)
        .values("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = dict.fromkeys(LEVELS, 0)
    for row in counted:
        found[row["level"]] = row["n"]
    return found


def levels_for(tenant_ids: Iterable[int], *, month: datetime.date | None = None) -> dict[int, int]:
    """Each tenant's level under the rule in force: from its figures of `month`, or by
    default of its latest month with figures; 0 without figures. One query; every id asked
    for is a key."""
    ids = list(tenant_ids)
    rows = MonthlyFigures.objects.filter(tenant_id__in=ids).annotate(
        level=level_case(rule_in_force())
    )
    if month is not None:
        rows = rows.filter(month=month.replace(day=1))
    latest = rows.order_by("tenant_id", "-month").distinct("tenant_id")
    found = dict.fromkeys(ids, 0)
    found.update(dict(latest.values_list("tenant_id", "level")))
    return found


def _months_until(until: datetime.date, count: int) -> list[datetime.date]:
    months = [until.replace(day=1)]
    while len(months) < count:
        previous = months[-1] - datetime.timedelta(days=1)
        months.append(previous.replace(day=1))
    return months[::-1]


SERIES = ("trained_share", "active_share", "electronic_share")


def _trend_totals(rows: QuerySet[Any], span: list[datetime.date]) -> list[TrendMonth]:
    """One query: sums by month and level; month totals are the sums over its levels."""
    grouped = (
        rows.values("month", "level")
        .annotate(n=Count("pk"), **{key: Sum(key) for key in NUMBERS})
        .order_by()
    )
    summed: dict[datetime.date, dict[str, int]] = {m: dict.fromkeys(NUMBERS, 0) for m in span}
    tenants: Counter[datetime.date] = Counter()
    levels: dict[datetime.date, dict[int, int]] = {m: dict.fromkeys(LEVELS, 0) for m in span}
    found: list[dict[str, Any]] = list(grouped)
    for group in found:
        for key in NUMBERS:
            summed[group["month"]][key] += int(group[key] or 0)
        tenants[group["month"]] += group["n"]
        levels[group["month"]][group["level"]] += group["n"]
    return [
        TrendMonth(
            month=m,
            tenants=tenants[m],
            figures=summed[m],
            shares=shares_of(summed[m]),
            level_counts=levels[m],
        )
        for m in span
    ]


def trend(
    months: int = 12,
    *,
    tenant_ids: Collection[int] | None = None,
    until: datetime.date | None = None,
    series_of: Collection[int] | None = None,
) -> Trend:
    """Totals per month of the `months` months up to `until`'s (this month by default) over
    every tenant or those of `tenant_ids`, with the count of tenants at each level; and, for
    the tenants of `series_of` (a page of the ranked table; `tenant_ids` when not given),
    each share's series and the level per month, for sparklines. Three queries whatever the
    number of tenants and months, two when the totals are cached: they are kept for the
    figures' version (reports.selectors.freshness), as summing every tenant's twelve months
    is the costliest read of the report page."""
    if months < 1:
        raise ValueError("A trend has at least one month.")
    span = _months_until(until or _local_month(), months)
    rule = rule_in_force()
    rows = MonthlyFigures.objects.filter(month__gte=span[0], month__lte=span[-1])
    if tenant_ids is not None:
        rows = rows.filter(AnyOf("tenant_id", tenant_ids))
    rows = rows.annotate(level=level_case(rule))
    key = ":".join(
        ("report-trend", scope_key(tenant_ids), span[0].isoformat(), str(len(span)), str(rule.pk))
    )
    totals = cached_for(figures_version(), key, lambda: _trend_totals(rows, span))
    wanted = series_of if series_of is not None else tenant_ids
    series: dict[int, dict[str, list[float | None]]] = {}
    tenant_levels: dict[int, list[int]] = {}
    if wanted is not None:
        ids = list(wanted)
        index = {m: i for i, m in enumerate(span)}
        for pk in ids:
            series[pk] = {name: [None] * len(span) for name in SERIES}
            tenant_levels[pk] = [0] * len(span)
        picked = rows.filter(tenant_id__in=ids).values("tenant_id", "month", "level", *NUMBERS)
        for row in picked:
            shares = shares_of(row)
            i = index[row["month"]]
            for name in SERIES:
                series[row["tenant_id"]][name][i] = shares[name]
            tenant_levels[row["tenant_id"]][i] = row["level"]
    return Trend(months=span, totals=totals, series=series, levels=tenant_levels)
