"""The tenant registry: valid subdomains, allowed transitions, and an event for each."""

import pytest
from django.core.exceptions import ValidationError

from tenants.lifecycle import ALLOWED_TRANSITIONS, TransitionNotAllowed
from tenants.models import Tenant, TenantEvent
from tenants.services import register_tenant, transition_tenant
from tests.conftest import ACTOR, World

pytestmark = pytest.mark.django_db


def new_tenant(subdomain: str = "kpk") -> Tenant:
    return register_tenant(
        name="Khyber Pakhtunkhwa", kind=Tenant.Kind.PROVINCE, subdomain=subdomain, actor=ACTOR
    )


def test_registering_holds_the_address_without_serving_it(world: World) -> None:
    tenant = new_tenant()

    assert tenant.state == Tenant.State.APPLIED
    assert (tenant.schema_name, tenant.subdomain) == (f"t_{tenant.pk}", "kpk")
    # The host is registered by provisioning; until then nobody can reach the tenant.
    assert not tenant.domains.exists()
    assert list(TenantEvent.objects.filter(tenant=tenant).values_list("to_state", flat=True)) == [
        "applied"
    ]


@pytest.mark.parametrize(
    ("subdomain", "code"),
    [
        ("www", "reserved_subdomain"),
        ("admin", "reserved_subdomain"),
        ("api", "reserved_subdomain"),
        ("-punjab", "invalid_subdomain"),
        ("punjab-", "invalid_subdomain"),
        ("Punjab", "invalid_subdomain"),
        ("pun_jab", "invalid_subdomain"),
        ("pun.jab", "invalid_subdomain"),
        ("", "invalid_subdomain"),
        ("a" * 64, "invalid_subdomain"),
    ],
)
def test_bad_subdomains_are_refused_with_a_reason(world: World, subdomain: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        new_tenant(subdomain)

    assert refused.value.code == code
    assert not Tenant.objects.filter(name="Khyber Pakhtunkhwa").exists()


def test_a_taken_subdomain_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        new_tenant("punjab")

    assert refused.value.code == "subdomain_taken"


WALK = (
    "approved",
    "provisioning",
    "provisioning_failed",
    "provisioning",
    "active",
    "suspended",
    "active",
    "archived",
    "deleted",
    "active",
    "suspended",
    "archived",
)


def test_every_allowed_transition_is_taken_and_audited(world: World) -> None:
    tenant = new_tenant()
    rejected = new_tenant("gb")

    for state in WALK:
        transition_tenant(tenant=tenant, to_state=state, actor=ACTOR, reason=f"to {state}")
    transition_tenant(tenant=rejected, to_state="rejected", actor=ACTOR, reason="no")

    events = TenantEvent.objects.filter(tenant__in=[tenant, rejected]).exclude(from_state="")
    taken = {(e.from_state, e.to_state) for e in events}
    allowed = {
        (start, target) for start, targets in ALLOWED_TRANSITIONS.items() for target in targets
    }
    assert taken == allowed
    assert list(
        TenantEvent.objects.filter(tenant=tenant).order_by("id").values_list("to_state", flat=True)
    ) == ["applied", *WALK]
    assert all(event.actor == ACTOR and event.reason for event in events)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in Tenant.State
        for target in Tenant.State
        if target not in ALLOWED_TRANSITIONS[start]
    ],
)
def test_every_other_transition_is_refused_and_changes_nothing(
    world: World, start: str, target: str
) -> None:
    tenant = new_tenant()
    Tenant.objects.filter(pk=tenant.pk).update(state=start)
    tenant.refresh_from_db()
    events_before = TenantEvent.objects.filter(tenant=tenant).count()

    with pytest.raises(TransitionNotAllowed):
        transition_tenant(tenant=tenant, to_state=target, actor=ACTOR)

    tenant.refresh_from_db()
    assert tenant.state == start
    assert TenantEvent.objects.filter(tenant=tenant).count() == events_before


def test_tenant_events_cannot_be_edited_or_deleted(world: World) -> None:
    event = TenantEvent.objects.filter(tenant=new_tenant()).get()

    event.reason = "rewritten history"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    event.refresh_from_db()
    assert event.reason == ""
