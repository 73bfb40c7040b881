"""The trend's totals are cached for the figures' version: a second read sums nothing again,
and any roll-up, change of state or new rule is seen by the very next read."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import UsageRecord
from reports.selectors import trend
from reports.services import change_rule
from reports.services.rollup import roll_up_month
from tenants.models import Tenant
from tenants.services import transition_tenant
from tests.conftest import World

# A month no other test records usage for.
MONTH = datetime.date(2025, 4, 1)

pytestmark = pytest.mark.django_db


def _receipts(tenant: Tenant, day: int, electronic: int) -> None:
    UsageRecord.objects.create(
        tenant=tenant,
        day=MONTH.replace(day=day),
        officers=10,
        officers_active=6,
        officers_active_month=6,
        storage_bytes=0,
        figures={"receipts_electronic": electronic, "receipts_physical": 1},
    )
    roll_up_month(tenant_id=tenant.pk, month=MONTH)


def _read() -> tuple[int, dict[str, int], dict[int, int]]:
    with CaptureQueriesContext(connection) as queries:
        april = trend(3, until=MONTH).totals[-1]
    return len(queries.captured_queries), april.figures, april.level_counts


def test_a_second_read_is_cached_and_every_change_is_seen_at_once(world: World) -> None:
    tenant = world.punjab.tenant
    _receipts(tenant, 1, electronic=3)

    cold, figures, _ = _read()
    warm, again, _ = _read()
    assert warm < cold and again == figures
    assert figures["receipts_electronic"] == 3

    _receipts(tenant, 2, electronic=4)  # a roll-up rewrites the month
    after_rollup, figures, levels = _read()
    assert after_rollup == cold and figures["receipts_electronic"] == 3 + 4
    # Nobody trained: level 0 under the default rule, though 60 % of officers were active.
    assert levels[0] == 1

    change_rule(
        actor="test-suite",
        reason="Level 1 without training",
        level1_trained_share=0,
        level2_active_share=50,
        level3_electronic_share=90,
        level4_letters_electronic_share=100,
        level4_max_pending_days=30,
    )
    _, _, levels = _read()
    assert (levels[0], levels[2]) == (0, 1)

    transition_tenant(
        tenant=Tenant.objects.get(pk=tenant.pk),
        to_state=Tenant.State.ARCHIVED,
        actor="test-suite",
        reason="trend cache test",
    )
    _, _, levels = _read()
    assert (levels[0], levels[2]) == (1, 0)  # an archived e-office is not live
