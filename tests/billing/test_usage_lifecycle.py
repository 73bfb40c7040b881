"""Billing hears of tenant transitions through the lifecycle's one hook: a tenant that becomes
active starts accruing, one archived stops, a suspended one keeps accruing, and a deletion keeps
every record."""

import datetime

import pytest
from django.utils import timezone

from billing.models import BillingEvent, BillingTerm, Plan, UsageRecord
from billing.selectors.terms import billable_tenant_ids, term_on
from billing.services import assign_plan
from billing.services.usage import record_usage
from tenants.models import Partner, Tenant
from tenants.services import create_partner, register_tenant, transition_tenant
from tests.conftest import ACTOR, World

pytestmark = pytest.mark.django_db

S = Tenant.State


def today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def approved(subdomain: str, partner: Partner, plan: str | None = "standard") -> Tenant:
    """A tenant approved for `partner` on `plan` and provisioning (without a schema: only its
    state and billing records matter here)."""
    tenant = register_tenant(
        name=f"Dept {subdomain}", kind=Tenant.Kind.PROVINCE, subdomain=subdomain, actor=ACTOR
    )
    transition_tenant(tenant=tenant, to_state=S.APPROVED, actor=ACTOR)
    Tenant.objects.filter(pk=tenant.pk).update(partner=partner)
    if plan:
        assign_plan(tenant=tenant, plan=Plan.objects.get(code=plan), actor=ACTOR)
    transition_tenant(tenant=tenant, to_state=S.PROVISIONING, actor=ACTOR)
    return tenant


def move(tenant: Tenant, *states: str) -> None:
    for state in states:
        transition_tenant(tenant=tenant, to_state=state, actor=ACTOR, reason=f"to {state}")


def terms(tenant: Tenant) -> list[tuple[datetime.date, bool, str]]:
    return [
        (t.effective_from, t.billable, t.plan.code)
        for t in BillingTerm.objects.filter(tenant=tenant).order_by("id")
    ]


def test_a_tenant_that_becomes_active_starts_accruing_for_its_partner_and_plan(
    world: World,
) -> None:
    tenant = approved("opens", world.partner, plan="provincial")
    assert term_on(tenant, today()) is None

    move(tenant, S.ACTIVE)

    term = term_on(tenant, today())
    assert term is not None and term.billable
    assert (term.partner, term.plan.code, term.recorded_by) == (
        world.partner,
        "provincial",
        ACTOR,
    )
    assert tenant.pk in billable_tenant_ids(today())
    event = BillingEvent.objects.get(tenant=tenant, action="billing_started")
    assert (event.partner, event.actor, event.detail["term"]) == (world.partner, ACTOR, term.pk)


def test_suspension_and_resumption_keep_the_one_billable_term(world: World) -> None:
    tenant = approved("pauses", world.partner)
    move(tenant, S.ACTIVE, S.SUSPENDED)
    assert tenant.pk in billable_tenant_ids(today())  # a suspended tenant keeps accruing

    move(tenant, S.ACTIVE, S.SUSPENDED, S.ACTIVE)

    assert terms(tenant) == [(today(), True, "standard")]


def test_archiving_stops_accruing_deleting_keeps_everything_and_restoring_starts_again(
    world: World,
) -> None:
    tenant = approved("closes", world.partner)
    move(tenant, S.ACTIVE)
    yesterday = today() - datetime.timedelta(days=1)
    record_usage(
        tenant=tenant,
        day=yesterday,
        officers=5,
        officers_active=2,
        officers_active_month=3,
        storage_bytes=100,
    )

    move(tenant, S.SUSPENDED, S.ARCHIVED)
    assert terms(tenant) == [(today(), True, "standard"), (today(), False, "standard")]
    assert tenant.pk not in billable_tenant_ids(today())
    assert BillingEvent.objects.filter(tenant=tenant, action="billing_stopped").count() == 1

    move(tenant, S.DELETED)
    assert len(terms(tenant)) == 2
    assert UsageRecord.objects.filter(tenant=tenant, day=yesterday).count() == 1

    move(tenant, S.ACTIVE)  # restored from its archive
    assert terms(tenant)[-1] == (today(), True, "standard")
    assert tenant.pk in billable_tenant_ids(today())


def test_archiving_cancels_a_plan_change_planned_for_later(world: World) -> None:
    tenant = approved("planned", world.partner)
    move(tenant, S.ACTIVE)
    later = today() + datetime.timedelta(days=10)
    BillingTerm.objects.create(
        tenant=tenant,
        partner=world.partner,
        plan=Plan.objects.get(code="federal"),
        effective_from=later,
        recorded_by=ACTOR,
        reason="Plan change from the 10th",
    )

    move(tenant, S.SUSPENDED, S.ARCHIVED)

    assert term_on(tenant, later) is not None and not term_on(tenant, later).billable
    assert tenant.pk not in billable_tenant_ids(later)


def test_a_tenant_without_a_plan_records_nothing(world: World) -> None:
    tenant = approved("unplanned", world.partner, plan=None)

    move(tenant, S.ACTIVE, S.SUSPENDED, S.ARCHIVED)

    assert terms(tenant) == []
    assert not BillingEvent.objects.filter(tenant=tenant).exists()


def test_one_tenants_transitions_leave_another_tenants_terms_alone(world: World) -> None:
    other_partner = create_partner(name="Other Vendor", contact_email="ops@other.example")
    ours, theirs = approved("ours", world.partner), approved("theirs", other_partner)
    move(ours, S.ACTIVE)
    move(theirs, S.ACTIVE)

    move(ours, S.SUSPENDED, S.ARCHIVED)

    assert terms(theirs) == [(today(), True, "standard")]
    assert term_on(theirs, today()).partner == other_partner
    assert theirs.pk in billable_tenant_ids(today())
