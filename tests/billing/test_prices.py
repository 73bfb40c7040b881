"""Prices and plans: a price change takes effect from a date, never rewrites an invoiced
month, and every change is audited."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from billing.models import BillingEvent, Plan, PlanPrice
from billing.services.invoices import finalise_invoice, rate_month
from billing.services.plans import create_plan, update_plan
from billing.services.prices import set_price
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db
ADMIN = "federal@board.example"


def new_plan(code: str = "ledger-test") -> Plan:
    return create_plan(
        code=code,
        name="Ledger Test",
        officer_limit=100,
        seat_price_minor=100_000,
        included_storage_gb=10,
        extra_gb_price_minor=1_000,
        prices_from=datetime.date(2026, 1, 1),
        actor=ADMIN,
    )


def price_from(plan: Plan, day: datetime.date, seat: int = 150_000) -> PlanPrice:
    return set_price(
        plan=plan,
        effective_from=day,
        seat_price_minor=seat,
        included_storage_gb=10,
        extra_gb_price_minor=1_000,
        actor=ADMIN,
        reason="Annual revision",
        ip_address="10.1.2.3",
    )


def test_a_price_change_mid_month_bills_each_price_its_days_and_is_audited() -> None:
    plan = new_plan()
    vendor = data.partner("Price Vendor")
    works = data.tenant("Price Works", billed_to=vendor, plan=plan.code)
    data.usage(works, range(1, 32), seats=31)

    price = price_from(plan, MARCH.replace(day=16))

    before, after = rate_month(partner=vendor, month=MARCH).lines.order_by("position")
    assert (before.days, before.seat_amount_minor) == (15, 31 * 100_000 * 15 // 31)
    assert (after.days, after.price, after.seat_amount_minor) == (
        16,
        price,
        31 * 150_000 * 16 // 31,
    )
    event = BillingEvent.objects.get(action="price.set", detail__price_id=price.pk)
    assert (event.actor, event.ip_address, event.detail["reason"]) == (
        ADMIN,
        "10.1.2.3",
        "Annual revision",
    )


def test_a_price_change_in_an_invoiced_month_is_refused_and_a_later_one_allowed(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    plan = new_plan()
    vendor = data.partner("Invoiced Vendor")
    data.usage(data.tenant("Invoiced Works", billed_to=vendor, plan=plan.code), range(1, 32))
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor=ADMIN)

    for day in (MARCH.replace(day=20), datetime.date(2026, 2, 1)):
        with pytest.raises(ValidationError, match="already invoiced") as refused:
            price_from(plan, day)
        assert str(invoice.number) in str(refused.value)
        assert "1 April 2026 at the earliest" in str(refused.value)
    assert plan.prices.count() == 1

    price_from(plan, datetime.date(2026, 4, 1))
    # Another plan is not held back by this plan's invoice.
    price_from(Plan.objects.get(code="federal"), MARCH.replace(day=20), seat=95_000)


def test_a_second_price_from_the_same_day_and_bad_input_are_refused() -> None:
    plan = new_plan()
    price_from(plan, datetime.date(2026, 6, 1))

    with pytest.raises(ValidationError, match="already has a price"):
        price_from(plan, datetime.date(2026, 6, 1), seat=1)
    with pytest.raises(ValidationError, match="Say why"):
        set_price(
            plan=plan,
            effective_from=datetime.date(2026, 7, 1),
            seat_price_minor=1,
            included_storage_gb=1,
            extra_gb_price_minor=1,
            actor=ADMIN,
            reason=" ",
        )
    with pytest.raises(TypeError):  # append-only: a price row is never changed
        price = plan.prices.first()
        assert price is not None
        price.save()


def test_plans_are_created_with_their_first_price_and_changes_are_audited() -> None:
    plan = new_plan("ledger-audit")

    assert plan.prices.get().effective_from == datetime.date(2026, 1, 1)
    assert BillingEvent.objects.filter(action="plan.created", detail__plan="ledger-audit").exists()
    with pytest.raises(ValidationError, match="exists"):
        new_plan("ledger-audit")

    update_plan(
        plan=plan,
        name="Ledger Test",
        description="For tests",
        is_active=False,
        grace_days=21,
        actor=ADMIN,
    )
    plan.refresh_from_db()
    assert (plan.is_active, plan.grace_days, plan.description) == (False, 21, "For tests")
    event = BillingEvent.objects.get(action="plan.updated", detail__plan="ledger-audit")
    assert event.detail["changes"] == {
        "description": ["", "For tests"],
        "is_active": [True, False],
        "grace_days": [14, 21],
    }
    update_plan(
        plan=plan,
        name=plan.name,
        description=plan.description,
        is_active=False,
        grace_days=21,
        actor=ADMIN,
    )
    assert BillingEvent.objects.filter(action="plan.updated").count() == 1  # nothing changed
