"""Federal administrators suspend and resume tenants: confirmed, reasoned, recorded."""

import pytest

from tenants.models import Tenant, TenantEvent
from tests.conftest import World, signed_in_client

pytestmark = pytest.mark.django_db


def state_of(tenant: Tenant) -> str:
    tenant.refresh_from_db()
    return tenant.state


def test_federal_admin_suspends_with_a_reason_and_it_is_recorded(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    tenant = world.punjab.tenant

    response = client.post(
        f"/console/tenants/{tenant.pk}/suspend/",
        {"reason": "Security review of the partner's servers", "confirm": "on"},
        follow=True,
    )

    assert state_of(tenant) == Tenant.State.SUSPENDED
    event = TenantEvent.objects.filter(tenant=tenant).order_by("-id").first()
    assert (event.from_state, event.to_state) == ("active", "suspended")
    assert event.actor == world.federal_admin_email
    assert event.reason == "Security review of the partner's servers"
    html = response.content.decode()
    assert "Test Punjab is now suspended." in html
    assert "Security review of the partner&#x27;s servers" in html  # in the history table


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"reason": "Audit"}, "Tick the box to confirm."),
        ({"confirm": "on"}, "This field is required."),
    ],
)
def test_suspension_without_confirmation_or_reason_changes_nothing(
    world: World, form: dict[str, str], error: str
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    tenant = world.punjab.tenant
    events_before = TenantEvent.objects.filter(tenant=tenant).count()

    response = client.post(f"/console/tenants/{tenant.pk}/suspend/", form)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert state_of(tenant) == Tenant.State.ACTIVE
    assert TenantEvent.objects.filter(tenant=tenant).count() == events_before


def test_a_refused_transition_is_explained_and_changes_nothing(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    tenant = world.sindh.tenant  # active: it cannot be resumed

    response = client.post(
        f"/console/tenants/{tenant.pk}/resume/", {"reason": "", "confirm": "on"}, follow=True
    )

    assert "cannot go from Active to Active" in response.content.decode()
    assert state_of(tenant) == Tenant.State.ACTIVE


def test_federal_admin_resumes_a_suspended_tenant(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    tenant = world.punjab.tenant
    client.post(f"/console/tenants/{tenant.pk}/suspend/", {"reason": "Audit", "confirm": "on"})

    client.post(f"/console/tenants/{tenant.pk}/resume/", {"reason": "Cleared", "confirm": "on"})

    assert state_of(tenant) == Tenant.State.ACTIVE
    assert list(
        TenantEvent.objects.filter(tenant=tenant)
        .order_by("-id")
        .values_list("to_state", flat=True)[:2]
    ) == ["active", "suspended"]


def test_partner_cannot_suspend_a_tenant_it_operates(world: World) -> None:
    client = signed_in_client(world.control_host, world.partner_user_email)

    response = client.post(
        f"/console/tenants/{world.punjab.tenant.pk}/suspend/", {"reason": "x", "confirm": "on"}
    )

    assert response.status_code == 403
    assert state_of(world.punjab.tenant) == Tenant.State.ACTIVE


def test_tenant_page_shows_its_history(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.get(f"/console/tenants/{world.punjab.tenant.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "punjab.localhost" in html
    assert "Approved → Provisioning" in html
    assert "Suspend Test Punjab" in html
