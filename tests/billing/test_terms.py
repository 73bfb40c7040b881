"""Plan and partner changes: a new term from a date; the month already invoiced is never
rewritten; a future change is applied on its day."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import BillingEvent, Plan, Subscription
from billing.selectors.terms import term_on
from billing.services.invoices import finalise_invoice, rate_month
from billing.services.terms import apply_due_terms, change_partner, change_plan
from tenants.models import Tenant, TenantEvent
from tenants.services import set_partner
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db
ADMIN = "federal@board.example"


def test_a_plan_change_mid_month_takes_effect_and_bills_each_plan_its_days() -> None:
    vendor = data.partner("Plan Change Vendor")
    works = data.tenant("Plan Change Works", billed_to=vendor)
    data.usage(works, range(1, 32), seats=31)
    provincial = Plan.objects.get(code="provincial")

    term = change_plan(
        tenant=works,
        plan=provincial,
        effective_from=MARCH.replace(day=11),
        actor=ADMIN,
        reason="Grew into a provincial e-office",
        ip_address="10.0.0.9",
    )

    assert (term.partner, term.plan, term.billable) == (vendor, provincial, True)
    assert Subscription.objects.get(tenant=works).plan == provincial  # dated in the past
    standard_line, provincial_line = rate_month(partner=vendor, month=MARCH).lines.order_by(
        "position"
    )
    assert (standard_line.days, provincial_line.days) == (10, 21)
    assert provincial_line.plan == provincial
    event = BillingEvent.objects.get(action="term.plan_changed", tenant=works)
    assert (event.detail["from_plan"], event.detail["to_plan"], event.ip_address) == (
        "standard",
        "provincial",
        "10.0.0.9",
    )
    with pytest.raises(ValidationError, match="already on"):
        change_plan(
            tenant=works,
            plan=provincial,
            effective_from=MARCH.replace(day=20),
            actor=ADMIN,
            reason="Again",
        )


def test_a_partner_change_mid_month_moves_the_tenant_and_each_partner_pays_its_days() -> None:
    old, new = data.partner("Leaving Vendor"), data.partner("Arriving Vendor")
    works = data.tenant("Moving Works", billed_to=old)
    data.usage(works, range(1, 32), seats=31)

    change_partner(
        tenant=works,
        partner=new,
        effective_from=MARCH.replace(day=21),
        actor=ADMIN,
        reason="Contract moved",
    )

    works.refresh_from_db()
    assert works.partner == new
    assert TenantEvent.objects.filter(
        tenant=works,
        reason="Partner changed from Leaving Vendor to Arriving Vendor: Contract moved",
    ).exists()
    (old_line,) = rate_month(partner=old, month=MARCH).lines.all()
    (new_line,) = rate_month(partner=new, month=MARCH).lines.all()
    assert (old_line.days, new_line.days) == (20, 11)
    assert old_line.amount_minor + new_line.amount_minor == 31 * 120_000


def test_a_change_in_an_invoiced_month_is_refused(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor, other = data.partner("Billed Vendor"), data.partner("Other Vendor")
    works = data.tenant("Billed Works", billed_to=vendor)
    data.usage(works, range(1, 32))
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor=ADMIN)

    with pytest.raises(ValidationError, match="already invoiced") as refused:
        change_partner(
            tenant=works, partner=other, effective_from=MARCH, actor=ADMIN, reason="Late"
        )
    assert str(invoice.number) in str(refused.value)
    with pytest.raises(ValidationError, match="already invoiced"):
        change_plan(
            tenant=works,
            plan=Plan.objects.get(code="federal"),
            effective_from=MARCH.replace(day=31),
            actor=ADMIN,
            reason="Late",
        )
    with pytest.raises(ValidationError, match="Say why"):
        change_partner(
            tenant=works,
            partner=other,
            effective_from=datetime.date(2026, 4, 1),
            actor=ADMIN,
            reason="",
        )
    assert term_on(works, MARCH.replace(day=31)).partner == vendor

    change_partner(
        tenant=works,
        partner=other,
        effective_from=datetime.date(2026, 4, 1),
        actor=ADMIN,
        reason="From April",
    )


def test_a_change_dated_later_is_applied_on_its_day_once() -> None:
    vendor, next_vendor = data.partner("Now Vendor"), data.partner("Next Vendor")
    works = data.tenant("Future Works", billed_to=vendor)
    today = timezone.localdate()
    later = today + datetime.timedelta(days=10)
    federal = Plan.objects.get(code="federal")
    change_partner(
        tenant=works, partner=next_vendor, effective_from=later, actor=ADMIN, reason="Next contract"
    )
    change_plan(tenant=works, plan=federal, effective_from=later, actor=ADMIN, reason="Upgrade")

    works.refresh_from_db()
    assert works.partner == vendor and not Subscription.objects.filter(tenant=works).exists()
    assert apply_due_terms(today=today) == []

    (applied,) = [t for t in apply_due_terms(today=later) if t.tenant_id == works.pk]

    works.refresh_from_db()
    assert (works.partner, Subscription.objects.get(tenant=works).plan) == (next_vendor, federal)
    assert (applied.partner, applied.plan) == (next_vendor, federal)
    assert BillingEvent.objects.filter(action="term.applied", tenant=works).count() == 1
    assert [t for t in apply_due_terms(today=later) if t.tenant_id == works.pk] == []


def test_set_partner_records_a_tenant_event_and_nothing_when_unchanged() -> None:
    vendor = data.partner("Set Vendor")
    works = data.tenant("Set Works", billed_to=None)
    events = TenantEvent.objects.filter(tenant=works)
    before = events.count()

    set_partner(tenant=works, partner=vendor, actor=ADMIN)
    set_partner(tenant=works, partner=vendor, actor=ADMIN)

    assert Tenant.objects.get(pk=works.pk).partner == vendor
    assert events.count() == before + 1
    assert events.latest("id").reason == "Partner changed from no partner to Set Vendor"


def test_a_change_before_one_already_recorded_for_a_later_day_is_refused() -> None:
    """The later term copied the partner and plan of its day: a change before it would be
    undone on that day without anyone noticing, so it is refused, saying why."""
    first_vendor, second_vendor = data.partner("Earlier Vendor"), data.partner("Later Vendor")
    works = data.tenant("Scheduled Works", billed_to=first_vendor)
    future = timezone.localdate() + datetime.timedelta(days=40)
    change_plan(
        tenant=works,
        plan=Plan.objects.get(code="provincial"),
        effective_from=future,
        actor=ADMIN,
        reason="Planned growth",
    )

    with pytest.raises(ValidationError, match="already recorded"):
        change_partner(
            tenant=works,
            partner=second_vendor,
            effective_from=timezone.localdate() + datetime.timedelta(days=10),
            actor=ADMIN,
            reason="New contract",
        )
    # From the scheduled day on, it can be recorded.
    change_partner(
        tenant=works, partner=second_vendor, effective_from=future, actor=ADMIN, reason="New"
    )
    assert term_on(works, future).partner == second_vendor
    assert term_on(works, future).plan.code == "provincial"


def test_a_plan_without_a_price_on_the_day_is_refused() -> None:
    works = data.tenant("Unpriced Plan Works", billed_to=data.partner("Unpriced Vendor"))
    bare = Plan.objects.create(code="bare", name="Bare", officer_limit=5)

    with pytest.raises(ValidationError, match="no price"):
        change_plan(
            tenant=works,
            plan=bare,
            effective_from=timezone.localdate(),
            actor=ADMIN,
            reason="Cheaper",
        )
