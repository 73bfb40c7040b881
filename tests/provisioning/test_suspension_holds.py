"""A tenant is suspended while any hold is on it: a federal one (the board's) or a billing one
(an unpaid invoice's). Lifting one kind never lifts the other; holds are never deleted."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from eoffice import write_modes
from eoffice.selectors.write_mode import write_mode
from provisioning.lifecycle_services import (
    lift_billing_hold,
    place_billing_hold,
    resume_tenant,
    suspend_tenant,
)
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import SuspensionHold, Tenant, TenantEvent
from tenants.selectors import open_holds, suspension_reason
from tenants.services import register_tenant, transition_tenant
from tests.conftest import ACTOR, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

S = Tenant.State
INVOICE = "INV-2026-000042"
UNPAID = f"Unpaid invoice {INVOICE}"


def state_and_mode(tenant: Tenant) -> tuple[str, str | None]:
    tenant.refresh_from_db(fields=["state"])
    with schema_context(tenant.schema_name):
        return tenant.state, write_mode()


def last_event(tenant: Tenant) -> TenantEvent:
    return TenantEvent.objects.filter(tenant=tenant).order_by("-id")[0]


def test_a_federal_suspension_is_a_federal_hold_lifted_by_resuming(world: World) -> None:
    tenant = world.punjab.tenant

    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Security review")

    (hold,) = open_holds(tenant)
    assert (hold.kind, hold.reason, hold.placed_by) == ("federal", "Security review", ACTOR)
    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)

    resume_tenant(tenant=tenant, actor="federal@board.example", reason="Cleared")

    assert state_and_mode(tenant) == (S.ACTIVE, write_modes.OPEN)
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert (hold.lifted_by, hold.lift_reason) == ("federal@board.example", "Cleared")
    assert open_holds(tenant) == []


def test_a_federal_hold_is_placed_once(world: World) -> None:
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="Audit")

    with pytest.raises(TransitionNotAllowed):
        suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="Audit again")

    assert len(open_holds(world.punjab.tenant)) == 1


def test_a_billing_hold_makes_the_tenant_read_only_with_the_invoice_as_reason(
    world: World,
) -> None:
    tenant = world.punjab.tenant

    hold = place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)

    assert hold is not None and (hold.kind, hold.reference) == ("billing", INVOICE)
    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)
    assert suspension_reason(tenant) == UNPAID
    event = last_event(tenant)
    assert (event.from_state, event.to_state, event.reason) == ("active", "suspended", UNPAID)
    # Officers still sign in and read; a change is refused and says why.
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    assert client.get("/directory/").status_code == 200
    refused = client.post("/accounts/email/", {"email": "x@punjab.example", "action_add": ""})
    assert refused.status_code == 403
    assert UNPAID in refused.content.decode()
    # Another tenant is not touched.
    assert state_and_mode(world.sindh.tenant) == (S.ACTIVE, write_modes.OPEN)


def test_placing_the_same_billing_hold_again_changes_nothing(world: World) -> None:
    tenant = world.punjab.tenant
    first = place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)
    events = TenantEvent.objects.filter(tenant=tenant).count()

    again = place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)

    assert again == first
    assert SuspensionHold.objects.filter(tenant=tenant).count() == 1
    assert TenantEvent.objects.filter(tenant=tenant).count() == events


def test_lifting_the_billing_hold_makes_the_tenant_writable(world: World) -> None:
    tenant = world.punjab.tenant
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)

    assert lift_billing_hold(tenant=tenant, reference=INVOICE, actor="system", reason="Paid")

    assert state_and_mode(tenant) == (S.ACTIVE, write_modes.OPEN)
    assert not lift_billing_hold(tenant=tenant, reference=INVOICE, actor="system", reason="Paid")
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    accepted = client.post("/accounts/email/", {"email": "y@punjab.example", "action_add": ""})
    assert accepted.status_code == 302


def test_paying_lifts_only_the_billing_suspension_never_a_federal_one(world: World) -> None:
    tenant = world.punjab.tenant
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Security review")
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)
    assert "Also held: " + UNPAID in last_event(tenant).reason
    assert suspension_reason(tenant) == f"Security review; {UNPAID}"

    lift_billing_hold(tenant=tenant, reference=INVOICE, actor="system", reason="Paid")

    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)
    assert suspension_reason(tenant) == "Security review"
    assert "still suspended: Security review" in last_event(tenant).reason

    resume_tenant(tenant=tenant, actor=ACTOR, reason="Cleared")

    assert state_and_mode(tenant) == (S.ACTIVE, write_modes.OPEN)


def test_resuming_lifts_only_the_federal_suspension_never_a_billing_one(world: World) -> None:
    tenant = world.punjab.tenant
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Security review")
    assert "Suspended by the federal board too: Security review" in last_event(tenant).reason
    assert {h.kind for h in open_holds(tenant)} == {"federal", "billing"}

    resume_tenant(tenant=tenant, actor=ACTOR, reason="Cleared")

    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)
    assert f"stays read-only: {UNPAID}" in last_event(tenant).reason
    assert [h.kind for h in open_holds(tenant)] == ["billing"]

    lift_billing_hold(tenant=tenant, reference=INVOICE, actor="system", reason="Paid")

    assert state_and_mode(tenant) == (S.ACTIVE, write_modes.OPEN)


def test_the_federal_board_cannot_resume_a_tenant_held_only_for_an_unpaid_invoice(
    world: World,
) -> None:
    tenant = world.punjab.tenant
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)

    with pytest.raises(ValidationError, match=f"stays read-only until it is settled: {UNPAID}"):
        resume_tenant(tenant=tenant, actor=ACTOR)

    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)
    assert len(open_holds(tenant)) == 1


def test_the_console_says_a_resumed_tenant_stays_read_only_for_its_invoice(world: World) -> None:
    tenant = world.punjab.tenant
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Audit")
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.post(
        f"/console/tenants/{tenant.pk}/resume/", {"reason": "Cleared", "confirm": "on"}, follow=True
    )

    assert "stays read-only: " + UNPAID in page.content.decode()
    assert state_and_mode(tenant) == (S.SUSPENDED, write_modes.SUSPENDED)


def test_a_tenant_that_is_not_serving_gets_no_billing_hold(world: World) -> None:
    applied = register_tenant(
        name="Applied Only", kind=Tenant.Kind.PROVINCE, subdomain="applied-only", actor=ACTOR
    )

    assert place_billing_hold(tenant=applied, reference=INVOICE, reason=UNPAID) is None

    assert not SuspensionHold.objects.filter(tenant=applied).exists()


def test_a_hold_is_never_deleted_and_a_lifted_one_never_changes(world: World) -> None:
    tenant = world.punjab.tenant
    hold = place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)
    assert hold is not None
    lift_billing_hold(tenant=tenant, reference=INVOICE, actor="system", reason="Paid")

    with pytest.raises(TypeError):
        hold.delete()
    for statement in (
        "DELETE FROM tenants_suspensionhold WHERE id = %s",
        "UPDATE tenants_suspensionhold SET lifted_by = 'someone else' WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [hold.pk])
    assert SuspensionHold.objects.get(pk=hold.pk).lifted_by == "system"


def test_an_open_hold_keeps_its_reason(world: World) -> None:
    hold = place_billing_hold(tenant=world.punjab.tenant, reference=INVOICE, reason=UNPAID)
    assert hold is not None

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tenants_suspensionhold SET reason = 'x' WHERE id = %s", [hold.pk])


def test_the_migration_gives_every_suspended_tenant_a_federal_hold_from_its_event(
    world: World,
) -> None:
    tenant = world.sindh.tenant
    # Suspended as before holds existed: the transition alone.
    transition_tenant(tenant=tenant, to_state=S.SUSPENDED, actor="old@board.example", reason="Old")
    migration = importlib.import_module("tenants.migrations.0006_suspension_holds")

    migration.federal_holds_for_suspended_tenants(apps, None)

    (hold,) = open_holds(tenant)
    event = last_event(tenant)
    assert (hold.kind, hold.reason, hold.placed_by, hold.placed_at) == (
        "federal",
        "Old",
        "old@board.example",
        event.at,
    )
    resume_tenant(tenant=tenant, actor=ACTOR)
    assert Tenant.objects.get(pk=tenant.pk).state == S.ACTIVE


def test_the_suspended_page_on_another_host_shows_nothing_of_it(world: World) -> None:
    place_billing_hold(tenant=world.punjab.tenant, reference=INVOICE, reason=UNPAID)

    page = client_for(world.sindh.host).get("/accounts/login/")

    assert INVOICE not in page.content.decode()


def test_the_tenant_page_shows_each_hold_and_offers_what_the_board_may_do(world: World) -> None:
    tenant = world.punjab.tenant
    client = signed_in_client(world.control_host, world.federal_admin_email)
    place_billing_hold(tenant=tenant, reference=INVOICE, reason=UNPAID)

    held_for_billing = client.get(f"/console/tenants/{tenant.pk}/").content.decode()
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Security review")
    held_by_both = client.get(f"/console/tenants/{tenant.pk}/").content.decode()

    assert f"({INVOICE}): {UNPAID}" in held_for_billing
    assert "Suspend Test Punjab" in held_for_billing  # the board may add its own hold
    assert "Resume Test Punjab" not in held_for_billing  # paying lifts it, not resuming
    assert "Security review" in held_by_both and UNPAID in held_by_both
    assert "Resume Test Punjab" in held_by_both and "Suspend Test Punjab" not in held_by_both
