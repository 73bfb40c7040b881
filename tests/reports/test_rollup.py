"""The monthly roll-up of daily usage records, the adoption level in SQL and in Python, and the
report's scope: numbers worked out by hand from the records each test writes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import UsageRecord
from reports.levels import level_case, level_of
from reports.models import MonthlyFigures
from reports.selectors import levels_for, report
from reports.selectors.rules import rule_in_force
from reports.services.rollup import figures_of_month, roll_up_month
from tenants.models import Tenant
from tests.conftest import World

MONTH = datetime.date(2025, 3, 1)

pytestmark = pytest.mark.django_db


def record(tenant: Tenant, day: int, revision: int = 0, **figures: Any) -> UsageRecord:
    return UsageRecord.objects.create(
        tenant=tenant,
        day=MONTH.replace(day=day),
        revision=revision,
        officers=figures.pop("officers", 10),
        officers_active=figures.pop("active", 4),
        officers_active_month=figures.pop("active_month", 6),
        storage_bytes=figures.pop("storage", 1000),
        figures=figures,
    )


DAY_ONE = {
    "receipts_electronic": 3,
    "receipts_physical": 1,
    "files_opened": 2,
    "files_closed": 1,
    "closing_days_sum": 10,
    "files_opened_month_electronic": 1,
    "files_opened_month_physical": 1,
    "files_active_month": 2,
    "file_posts_sum_month": 5,
    "pendency_measured": 1,
    "pending_over_7": 4,
    "pending_over_30": 1,
    "pending_worst_posts": [{"post_id": 7, "post": "SO (Admin)", "items": 4, "oldest_days": 33}],
}
DAY_TWO = {
    "receipts_electronic": 2,
    "receipts_physical": 2,
    "files_opened": 1,
    "files_closed": 1,
    "closing_days_sum": 20,
    "files_opened_month_electronic": 2,
    "files_opened_month_physical": 1,
    "files_active_month": 3,
    "file_posts_sum_month": 9,
}


def test_a_month_sums_days_takes_month_to_date_from_the_last_and_pendency_from_its_measure(
    world: World,
) -> None:
    tenant = world.punjab.tenant
    record(tenant, 1, **DAY_ONE)
    record(tenant, 2, **DAY_TWO)
    # Day 2 recomputed: its revision 1 is in force (5 electronic receipts, not 2).
    record(
        tenant, 2, revision=1, officers=12, active_month=9, **(DAY_TWO | {"receipts_electronic": 5})
    )

    figures = roll_up_month(tenant_id=tenant.pk, month=MONTH.replace(day=17))
    again = roll_up_month(tenant_id=tenant.pk, month=MONTH)

    assert again.pk == figures.pk
    assert MonthlyFigures.objects.filter(tenant=tenant, month=MONTH).count() == 1
    assert (figures.days_recorded, figures.last_day) == (2, MONTH.replace(day=2))
    assert (figures.receipts_electronic, figures.receipts_physical) == (3 + 5, 1 + 2)
    assert (figures.files_opened, figures.files_closed, figures.closing_days_sum) == (3, 2, 30)
    assert (figures.files_opened_electronic, figures.files_opened_physical) == (2, 1)
    assert (figures.files_active, figures.file_posts_sum) == (3, 9)
    # Day 2 measured no pendency: day 1's snapshot stands.
    assert figures.pendency_measured
    assert (figures.pending_over_7, figures.pending_over_30) == (4, 1)
    assert figures.worst_posts[0]["oldest_days"] == 33
    assert (figures.officers, figures.officers_active) == (12, 9)
    # March 2025 is over: 31 billable days... of which only those billed count as missing;
    # none are billed in this test, so none are missing.
    assert figures.days_missing == 0


def test_a_month_without_records_is_not_zero_but_unrecorded() -> None:
    values = figures_of_month([])
    assert values["days_recorded"] == 0 and values["last_day"] is None
    assert not values["pendency_measured"]


CASES: list[tuple[dict[str, int], int]] = [
    ({}, 0),  # nothing recorded
    ({"officers": 10, "officers_trained": 0}, 0),  # live, nobody trained
    ({"officers": 10, "officers_trained": 1}, 1),  # 10 % trained
    ({"officers": 10, "officers_trained": 1, "officers_active": 5}, 2),  # 50 % active
    (
        {
            "officers": 10,
            "officers_trained": 1,
            "officers_active": 5,
            "receipts_electronic": 8,
            "receipts_physical": 1,
            "files_opened_electronic": 1,
        },
        3,  # (8 + 1) of 10 = 90 % electronic
    ),
    (
        {
            "officers": 10,
            "officers_trained": 1,
            "officers_active": 5,
            "receipts_electronic": 8,
            "receipts_physical": 2,
            "files_opened_electronic": 0,
        },
        2,  # 8 of 10 = 80 %: not level 3
    ),
]


@pytest.mark.parametrize(("numbers", "expected"), CASES)
def test_the_level_in_sql_and_in_python_agree(
    world: World, numbers: dict[str, int], expected: int
) -> None:
    tenant = world.punjab.tenant
    rule = rule_in_force()
    fields = {"days_recorded": 1 if numbers else 0, **numbers}
    row = MonthlyFigures.objects.create(tenant=tenant, month=MONTH, **fields)
    in_sql = MonthlyFigures.objects.annotate(level=level_case(rule)).get(pk=row.pk).level
    assert in_sql == level_of(fields, state=tenant.state, rule=rule) == expected
    assert levels_for([tenant.pk, world.sindh.tenant.pk], month=MONTH) == {
        tenant.pk: expected,
        world.sindh.tenant.pk: 0,
    }


def test_the_report_of_a_partners_tenants_holds_only_theirs_in_a_bounded_number_of_queries(
    world: World,
) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    record(punjab, 1, **DAY_ONE)
    record(sindh, 1, **DAY_TWO)
    roll_up_month(tenant_id=punjab.pk, month=MONTH)
    roll_up_month(tenant_id=sindh.pk, month=MONTH)

    with CaptureQueriesContext(connection) as queries:
        mine = report(MONTH, tenant_ids=[punjab.pk])
    assert [row.tenant_id for row in mine.rows] == [punjab.pk]
    assert mine.totals["receipts_electronic"] == 3
    assert all(group.tenant_ids == [punjab.pk] for group in mine.groups)
    scoped_queries = len(queries)

    with CaptureQueriesContext(connection) as queries:
        everyone = report(MONTH)
    ids = {row.tenant_id for row in everyone.rows}
    assert {punjab.pk, sindh.pk} <= ids
    assert len(queries) == scoped_queries


def test_the_roll_up_task_tells_the_tenant_its_published_month_and_no_other(world: World) -> None:
    from django_tenants.utils import tenant_context

    from eoffice.models import ReportedMonth
    from reports.tasks import roll_up

    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    record(punjab, 1, **DAY_ONE)
    assert roll_up(punjab.pk, "2025-03-09") is not None

    with tenant_context(punjab):
        published = ReportedMonth.objects.get(month=MONTH)
        assert published.figures["receipts_electronic"] == 3
        assert published.level == 0  # nobody trained
        assert "trained" in published.level_rule
    with tenant_context(sindh):
        assert not ReportedMonth.objects.filter(month=MONTH).exists()
