"""One page of the month's ranked report, with the totals, levels and groups of all its tenants.

`report()` materialises every tenant's row in Python, which exports need; the report page shows
50 rows, so it reads only those (LIMIT/OFFSET in the ranking order) and gets everything else
from SQL aggregates: one query of sums grouped by (parent or self, level) yields the totals,
the level counts and, once parents are mapped to their top ancestor from one read of the
tenants' tree, the groups. The number of queries does not depend on the number of tenants.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import Case, Count, F, FloatField, OrderBy, Q, QuerySet, Sum, When, Window
from django.db.models.functions import Cast, Coalesce, NullIf, RowNumber

from reports.levels import LEVELS
from reports.models import AdoptionRule
from reports.selectors.freshness import cached_for, figures_version, scope_key
from reports.selectors.ids import AnyOf
from reports.selectors.report import (
    NUMBERS,
    REL,
    GroupRow,
    TenantRow,
    _month_tenants,
    shares_of,
    tenant_row,
)
from reports.selectors.rules import rule_in_force
from tenants.models import Tenant

PER_PAGE = 50
CHART_TENANTS = 10
Tree = dict[int, tuple[int | None, str, str]]  # id → (parent id, name, kind)


@dataclass(frozen=True)
class Ranked:
    """A tenant named in a chart, with the one value the chart shows."""

    tenant_id: int
    name: str
    value: float
    level: int


@dataclass(frozen=True)
class ReportPage:
    month: datetime.date
    rule: AdoptionRule
    rows: list[TenantRow]  # this page's, in the report's ranking
    number: int  # the page shown (the one asked for, brought within 1..pages)
    pages: int
    per_page: int
    count: int  # tenants in the month's report
    groups: list[GroupRow]  # by name
    level_counts: dict[int, int]
    totals: dict[str, int]
    shares: dict[str, float | None]
    with_figures: int  # tenants that have figures for the month
    most_electronic: list[Ranked]
    least_electronic: list[Ranked]
    most_pending: list[Ranked]

    @property
    def first_rank(self) -> int:
        return (self.number - 1) * self.per_page + 1


def _tree(tenant_ids: Collection[int] | None) -> Tree:
    """The tenants' tree, limited to a scope's tenants: a partner's view never names a tenant
    outside it, not even as a parent or the head of a group."""
    tenants = Tenant.objects.all()
    if tenant_ids is not None:
        tenants = tenants.filter(AnyOf("pk", tenant_ids))
    return {
        pk: (parent, name, kind)
        for pk, parent, name, kind in tenants.values_list("pk", "parent_id", "name", "kind")
    }


def _top_of(pk: int, tree: Tree) -> int:
    """The highest ancestor of `pk` within the tree (itself without a parent in it)."""
    top, seen = pk, {pk}
    while (parent := tree.get(top, (None, "", ""))[0]) in tree and parent not in seen:
        assert parent is not None
        top = parent
        seen.add(top)
    return top


def _page_rows(values: Iterable[dict[str, Any]], tree: Tree) -> list[TenantRow]:
    rows = []
    for value in values:
        group_id = _top_of(value["pk"], tree)
        _, group_name, _ = tree.get(group_id, (None, "", ""))
        rows.append(
            tenant_row(
                value,
                group_id=group_id,
                group_name=group_name,
                parent_named=value["parent_id"] in tree,
            )
        )
    return rows


def _electronic_share() -> Any:
    def f(key: str) -> F:
        return F(f"{REL}__{key}")

    electronic = f("receipts_electronic") + f("files_opened_electronic")
    counted = electronic + f("receipts_physical") + f("files_opened_physical")
    return Cast(electronic, FloatField()) * 100.0 / NullIf(counted, 0)


T = TypeVar("T")


class Remember(Protocol):
    """Keeps a computed read for the figures' version of one report page (its scope, month
    and rule)."""

    def __call__(self, name: str, compute: Callable[[], T]) -> T: ...


def _rank(*order: OrderBy | str) -> Window:
    return Window(RowNumber(), order_by=[*order, "name", "pk"])


def _page_and_charts(
    tenants: QuerySet[Tenant], tree: Tree, *, offset: int, per_page: int, remember: Remember
) -> tuple[list[TenantRow], list[Ranked], list[Ranked], list[Ranked]]:
    """The page's rows and the tenants the charts name, from one scan of the month: each
    tenant's place in the report's ranking and in each chart's is a window function, and only
    the rows some place picks are read."""
    pending = Case(
        When(
            Q(**{f"{REL}__pendency_measured": True, f"{REL}__pending_over_7__gt": 0}),
            then=Cast(F(f"{REL}__pending_over_7"), FloatField()),
        ),
        default=None,
        output_field=FloatField(),
    )
    placed = tenants.annotate(electronic=_electronic_share(), pending=pending).annotate(
        place=_rank(F("level").desc(), F("active_rank").desc(nulls_last=True)),
        highest=_rank(F("electronic").desc(nulls_last=True)),
        lowest=_rank(F("electronic").asc(nulls_last=True)),
        most_pending=_rank(F("pending").desc(nulls_last=True)),
    )
    # The places are worked out over narrow rows (and kept for the figures' version: a
    # tenant's name and parent never change); only the rows they pick are read whole, live.
    picked = placed.filter(
        Q(place__gt=offset, place__lte=offset + per_page)
        | Q(highest__lte=CHART_TENANTS)
        | Q(lowest__lte=CHART_TENANTS)
        | Q(most_pending__lte=CHART_TENANTS)
    ).values("pk", "level", "electronic", "pending", "place", "highest", "lowest", "most_pending")
    places: dict[int, dict[str, Any]] = remember(
        f"places:{offset}:{per_page}", lambda: {row["pk"]: row for row in picked}
    )
    fields = [f"{REL}__{key}" for key in (*NUMBERS, "id", "pendency_measured", "worst_posts")]
    found = sorted(
        (
            value | places[value["pk"]]
            for value in tenants.filter(pk__in=list(places)).values(
                "pk",
                "name",
                "kind",
                "state",
                "parent_id",
                "parent__name",
                "partner_id",
                "partner__name",
                f"{REL}__last_day",
                *fields,
            )
        ),
        key=lambda value: value["place"],
    )
    on_page = [value for value in found if offset < value["place"] <= offset + per_page]

    def chart(place: str, value: str) -> list[Ranked]:
        chosen = sorted(
            (found_ for found_ in found if found_[place] <= CHART_TENANTS),
            key=lambda found_: found_[place],
        )
        return [
            Ranked(v["pk"], v["name"], round(float(v[value]), 1), v["level"])
            for v in chosen
            if v[value] is not None
        ]

    return (
        _page_rows(on_page, tree),
        chart("highest", "electronic"),
        chart("lowest", "electronic"),
        chart("most_pending", "pending"),
    )


def report_page(
    month: datetime.date,
    *,
    tenant_ids: Collection[int] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ReportPage:
    """Page `page` (brought within range) of the month's ranked report over every tenant or
    those of `tenant_ids`, ranked as `report()` ranks them, with the totals, level counts and
    groups of every tenant in it, and the tenants the page's charts name (highest and lowest
    share electronic, most items pending over 7 working days). Five queries whatever the
    number of tenants, of which the two costly ones (the sums and the ranking) are kept for
    the figures' version (reports.selectors.freshness) and replaced by one that reads it."""
    month = month.replace(day=1)
    rule = rule_in_force()
    tenants = _month_tenants(month, rule, tenant_ids)
    tree = _tree(tenant_ids)
    version = figures_version()
    prefix = ":".join(("report-page", scope_key(tenant_ids), month.isoformat(), str(rule.pk)))

    def remember(name: str, compute: Callable[[], T]) -> T:
        return cached_for(version, f"{prefix}:{name}", compute)

    # A tenant is summed under its parent, or under itself when the parent is outside the
    # scope; the parents are then mapped to their top ancestor in Python.
    under = (
        Coalesce("parent_id", "pk")
        if tenant_ids is None
        else Case(
            When(AnyOf("parent_id", tenant_ids), then=F("parent_id")),
            default=F("pk"),
        )
    )

    sums = {key: Sum(f"{REL}__{key}") for key in NUMBERS}
    grouped = (
        tenants.annotate(under=under)
        .values("under", "level")
        .annotate(n=Count("pk"), with_figures=Count(f"{REL}__id"), **sums)
        .order_by()
    )
    totals = dict.fromkeys(NUMBERS, 0)
    counts = dict.fromkeys(LEVELS, 0)
    group_figures: dict[int, dict[str, int]] = {}
    group_levels: dict[int, dict[int, int]] = {}
    count = with_figures = 0
    for bucket in remember("sums", lambda: list(grouped)):
        top = _top_of(bucket["under"], tree)
        figures = group_figures.setdefault(top, dict.fromkeys(NUMBERS, 0))
        levels = group_levels.setdefault(top, dict.fromkeys(LEVELS, 0))
        for key in NUMBERS:
            number = int(bucket[key] or 0)
            figures[key] += number
            totals[key] += number
        counts[bucket["level"]] += bucket["n"]
        levels[bucket["level"]] += bucket["n"]
        count += bucket["n"]
        with_figures += bucket["with_figures"]
    groups = [
        GroupRow(
            group_id=top,
            name=tree.get(top, (None, "", ""))[1],
            kind=tree.get(top, (None, "", ""))[2],
            # Members are not listed: the page shows each group's counts, not its tenants.
            tenant_ids=[],
            figures=figures,
            shares=shares_of(figures),
            level_counts=group_levels[top],
        )
        for top, figures in group_figures.items()
    ]
    groups.sort(key=lambda group: (group.name, group.group_id))

    pages = max(1, -(-count // per_page))
    number = min(max(page, 1), pages)
    offset = (number - 1) * per_page
    rows, most_electronic, least_electronic, most_pending = _page_and_charts(
        tenants, tree, offset=offset, per_page=per_page, remember=remember
    )
    return ReportPage(
        month=month,
        rule=rule,
        rows=rows,
        number=number,
        pages=pages,
        per_page=per_page,
        count=count,
        groups=groups,
        level_counts=counts,
        totals=totals,
        shares=shares_of(totals),
        with_figures=with_figures,
        most_electronic=most_electronic,
        least_electronic=least_electronic,
        most_pending=most_pending,
    )
