"""The adoption level of a month's figures under an AdoptionRule, in SQL and in Python.

Both forms state the same rule (tests check they agree on a table of cases):

- level 0: the tenant is not live (neither active nor suspended) or has no figures for the
  month (no row, or no recorded day), or it meets no level;
- levels 1 to 4 are cumulative: a tenant is at the highest level whose test it passes together
  with the tests of every level below (see reports.models.AdoptionRule).

Shares compare whole numbers exactly (`part * 100 >= threshold * whole`), never floats, and a
share of nothing (`whole` 0) passes no threshold: a tenant with no letters cannot show that
its letters are electronic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from reports.models import AdoptionRule
from tenants.models import Tenant

LIVE_STATES: tuple[str, ...] = (Tenant.State.ACTIVE, Tenant.State.SUSPENDED)
LEVELS = (0, 1, 2, 3, 4)


def _pending_key(rule: AdoptionRule) -> str:
    return "pending_over_7" if rule.level4_max_pending_days == 7 else "pending_over_30"


# --- SQL -----------------------------------------------------------------------------------


def _share_q(part: Combinable, whole: Combinable, threshold: int) -> Q:
    return Q(GreaterThan(whole, 0)) & Q(GreaterThanOrEqual(part * 100, whole * threshold))


def level_case(rule: AdoptionRule, *, prefix: str = "", state: str = "tenant__state") -> Case:
    """The level as a SQL expression, for a query over MonthlyFigures (`prefix` "") or over
    Tenant with the month's figures joined under a relation (`prefix` "month_figures__",
    `state` "state"). A missing row (its columns NULL) is level 0."""

    def f(name: str) -> F:
        return F(f"{prefix}{name}")

    live = Q(**{f"{state}__in": list(LIVE_STATES)}) & Q(**{f"{prefix}days_recorded__gt": 0})
    level1 = live & _share_q(f("officers_trained"), f("officers"), rule.level1_trained_share)
    level2 = level1 & _share_q(f("officers_active"), f("officers"), rule.level2_active_share)
    level3 = level2 & _share_q(
        f("receipts_electronic") + f("files_opened_electronic"),
        f("receipts_electronic")
        + f("receipts_physical")
        + f("files_opened_electronic")
        + f("files_opened_physical"),
        rule.level3_electronic_share,
    )
    level4 = (
        level3
        & _share_q(
            f("letters_electronic"),
            f("letters_electronic") + f("letters_post"),
            rule.level4_letters_electronic_share,
        )
        & Q(**{f"{prefix}pendency_measured": True})
        & Q(**{f"{prefix}{_pending_key(rule)}": 0})
    )
    return Case(
        When(level4, then=Value(4)),
        When(level3, then=Value(3)),
        When(level2, then=Value(2)),
        When(level1, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- Python --------------------------------------------------------------------------------


def _share_met(part: int, whole: int, threshold: int) -> bool:
    return whole > 0 and part * 100 >= threshold * whole


def level_of(figures: Mapping[str, Any] | None, *, state: str, rule: AdoptionRule) -> int:
    """The level of one month's figures (MonthlyFigures' field names and values, or None when
    the tenant has no row for the month) of a tenant in `state`; the same rule as level_case."""
    if figures is None or state not in LIVE_STATES or not figures.get("days_recorded"):
        return 0

    def n(key: str) -> int:
        return int(figures.get(key) or 0)

    tests = [
        _share_met(n("officers_trained"), n("officers"), rule.level1_trained_share),
        _share_met(n("officers_active"), n("officers"), rule.level2_active_share),
        _share_met(
            n("receipts_electronic") + n("files_opened_electronic"),
            n("receipts_electronic")
            + n("receipts_physical")
            + n("files_opened_electronic")
            + n("files_opened_physical"),
            rule.level3_electronic_share,
        ),
        _share_met(
            n("letters_electronic"),
            n("letters_electronic") + n("letters_post"),
            rule.level4_letters_electronic_share,
        )
        and bool(figures.get("pendency_measured"))
        and n(_pending_key(rule)) == 0,
    ]
    level = 0
    for passed in tests:
        if not passed:
            break
        level += 1
    return level
