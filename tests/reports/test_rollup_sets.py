"""The set-based roll-up of a month against roll_up_month tenant by tenant: the same rows, from
hand-made records that take every branch of the rule (a recomputed day, a missing day, days
without pendency, figures that are not positive integers, terms that start, stop and tie,
workshops counted, named, withdrawn and too late)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from billing.models import BillingTerm, Plan, UsageRecord
from config.celery import app
from reports.models import MonthlyFigures, Workshop, WorkshopAttendee
from reports.services.rollup import roll_up_month, tenants_to_roll_up
from reports.services.rollup_sets import roll_up_month_for_all
from tenants.models import Tenant
from tests.conftest import ACTOR, World

# A month no other test rolls up.
MONTH = datetime.date(2025, 8, 1)

pytestmark = pytest.mark.django_db


def day(number: int) -> datetime.date:
    return MONTH.replace(day=number)


def record(tenant: Tenant, on: datetime.date, revision: int = 0, **figures: Any) -> None:
    UsageRecord.objects.create(
        tenant=tenant,
        day=on,
        revision=revision,
        officers=figures.pop("officers", 20 + on.day),
        officers_active=figures.pop("active", 5),
        officers_active_month=figures.pop("active_month", 8 + on.day),
        storage_bytes=figures.pop("storage", 1000 * on.day),
        figures=figures,
    )


def term(tenant: Tenant, start: datetime.date, *, billable: bool = True) -> None:
    BillingTerm.objects.create(
        tenant=tenant,
        partner=tenant.partner,
        plan=Plan.objects.get(code="standard"),
        effective_from=start,
        billable=billable,
        recorded_by=ACTOR,
    )


def workday(number: int, *, pendency: bool = True, posts: int = 2) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "receipts_electronic": number,
        "receipts_physical": 2,
        "files_opened": 1,
        "files_closed": number % 3,
        "closing_days_sum": 7 * (number % 3),
        "files_opened_month_electronic": number,
        "files_opened_month_physical": number // 2,
        "files_active_month": 3 * number,
        "file_posts_sum_month": 9 * number,
        "letters_electronic_month": number,
        "letters_post_month": 1,
    }
    if pendency:
        figures |= {
            "pendency_measured": 1,
            "pending_over_7": 40 - number,
            "pending_over_30": 10 - number // 4,
            "pending_worst_posts": [
                {"post_id": post, "post": f"SO ({post})", "items": number, "oldest_days": 9}
                for post in range(posts)
            ],
        }
    return figures


def workshop(tenant: Tenant, on: datetime.date, count: int = 0, *, withdrawn: bool = False) -> Any:
    made = Workshop.objects.create(
        tenant=tenant, date=on, place="Hall", trainer="Trainer", attendee_count=count
    )
    if withdrawn:
        Workshop.objects.filter(pk=made.pk).update(
            withdrawn_at=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC),
            withdrawn_by=ACTOR,
            withdraw_reason="Recorded twice",
        )
    return made


def extra_tenant(name: str) -> Tenant:
    return Tenant.objects.create(
        name=f"Sets {name}",
        kind=Tenant.Kind.DEPARTMENT,
        subdomain=f"sets-{name}",
        state=Tenant.State.ACTIVE,
    )


def rows() -> dict[int, dict[str, Any]]:
    """The month's rows by tenant, without what differs between two writes of one row."""
    found: dict[int, dict[str, Any]] = {}
    for row in MonthlyFigures.objects.filter(month=MONTH).values():
        values: dict[str, Any] = dict(row)
        del values["id"], values["updated_at"]
        found[values.pop("tenant_id")] = values
    return found


def make_month(world: World) -> dict[str, Tenant]:
    full, partial, quiet, other = (
        world.punjab.tenant,
        world.sindh.tenant,
        extra_tenant("quiet"),
        extra_tenant("other"),
    )
    # full: billable since July; day 5 missing, day 3 recomputed, day 31 without pendency and
    # day 30 with twelve worst posts (ten kept); odd values count as nothing.
    term(full, datetime.date(2025, 7, 1))
    for number in range(1, 32):
        if number == 5:
            continue
        record(full, day(number), **workday(number, pendency=number < 31, posts=12))
    record(full, day(3), revision=1, officers=99, **(workday(3) | {"receipts_electronic": 30}))
    record(full, day(4), revision=1, **(workday(4) | {"receipts_physical": 2.0}))
    record(full, day(6), revision=2, **(workday(6) | {"files_opened": True, "files_closed": -4}))
    record(full, day(7), revision=1, **(workday(7) | {"closing_days_sum": "12"}))
    # partial: billable from the 10th, archived from the 25th (restored on the 28th); its
    # pendency is "measured" by values Python finds false, then true, then false again.
    term(partial, day(10))
    term(partial, day(25), billable=False)
    term(partial, day(28))
    record(partial, day(11), **(workday(11) | {"pendency_measured": True}))
    record(partial, day(12), **(workday(12) | {"pendency_measured": "", "pending_over_7": 1}))
    record(partial, day(13), **(workday(13, pendency=False) | {"pendency_measured": 0}))
    record(partial, day(26), **(workday(26, pendency=False) | {"pending_worst_posts": "none"}))
    record(partial, day(29), **(workday(29, pendency=False) | {"pendency_measured": []}))
    # quiet: a row already and no record; two terms on one day, the later recorded wins.
    term(quiet, day(20), billable=True)
    term(quiet, day(20), billable=False)
    term(quiet, day(1))
    roll_up_month(tenant_id=quiet.pk, month=MONTH)
    # other: records in another month only, so neither path rolls it up.
    term(other, datetime.date(2025, 7, 1))
    record(other, datetime.date(2025, 7, 31), **workday(31))

    workshop(full, day(2), 5)
    named = workshop(full, day(20))
    WorkshopAttendee.objects.bulk_create(
        WorkshopAttendee(workshop=named, name=name, post=post)
        for name, post in [("Ali", "SO"), (" ali ", "so"), ("Sara", "SO"), ("Ali", "DS")]
    )
    workshop(full, datetime.date(2025, 7, 3), 2)
    workshop(full, day(21), 50, withdrawn=True)
    workshop(full, datetime.date(2025, 9, 1), 7)
    earlier = workshop(quiet, datetime.date(2025, 6, 1))
    WorkshopAttendee.objects.create(workshop=earlier, name="Nadia", post="AS")
    return {"full": full, "partial": partial, "quiet": quiet, "other": other}


def test_the_set_based_roll_up_writes_the_rows_roll_up_month_writes(world: World) -> None:
    tenants = make_month(world)
    for tenant_id in tenants_to_roll_up(MONTH):
        roll_up_month(tenant_id=tenant_id, month=MONTH)
    per_tenant = rows()

    # The hand-worked figures, so that two equally wrong paths cannot agree unnoticed.
    full = per_tenant[tenants["full"].pk]
    assert full["days_recorded"] == 30 and full["days_missing"] == 1
    assert full["receipts_electronic"] == sum(range(1, 32)) - 5 - 3 + 30
    assert full["receipts_physical"] == 2 * 29  # day 4's 2.0 counts nothing
    assert full["files_opened"] == 29 and full["closing_days_sum"] == sum(
        7 * (n % 3) for n in range(1, 32) if n not in (5, 6, 7)
    )
    assert (full["pending_over_7"], len(full["worst_posts"])) == (10, 10)
    assert (full["officers"], full["officers_active"], full["last_day"]) == (51, 39, day(31))
    assert full["officers_trained"] == 5 + 2 + 3  # ali/so twice, sara, ali/ds
    partial = per_tenant[tenants["partial"].pk]
    assert (partial["days_recorded"], partial["days_missing"]) == (5, 15 + 4 - 4)
    assert (partial["pendency_measured"], partial["pending_over_7"]) == (True, 29)
    quiet = per_tenant[tenants["quiet"].pk]
    assert (quiet["days_recorded"], quiet["days_missing"], quiet["officers_trained"]) == (0, 19, 1)
    assert tenants["other"].pk not in per_tenant

    # Inserted afresh for all but quiet, whose row is updated over values made wrong.
    MonthlyFigures.objects.filter(month=MONTH).exclude(tenant=tenants["quiet"]).delete()
    MonthlyFigures.objects.filter(month=MONTH).update(
        days_missing=3, officers_trained=40, worst_posts=[{"post": "stale"}], last_day=day(2)
    )
    assert roll_up_month_for_all(MONTH) == 3
    assert rows() == per_tenant
    assert roll_up_month_for_all(MONTH.replace(day=15)) == 3
    assert rows() == per_tenant


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks queued with .delay() run at once in this process and transaction."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_rolling_up_all_rebuilds_every_row_and_tells_each_serving_tenant(
    world: World, eager: None
) -> None:
    from django_tenants.utils import tenant_context

    from eoffice.models import ReportedMonth
    from reports.tasks import roll_up_all

    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    archived = extra_tenant("archived")
    Tenant.objects.filter(pk=archived.pk).update(state=Tenant.State.ARCHIVED)
    record(punjab, day(4), **workday(4))
    record(archived, day(4), **workday(9))

    assert roll_up_all("2025-08-20") == 2
    assert {
        row.tenant_id: row.receipts_electronic for row in MonthlyFigures.objects.filter(month=MONTH)
    } == {punjab.pk: 4, archived.pk: 9}
    with tenant_context(punjab):
        assert ReportedMonth.objects.get(month=MONTH).figures["receipts_electronic"] == 4
    with tenant_context(sindh):
        assert not ReportedMonth.objects.filter(month=MONTH).exists()
