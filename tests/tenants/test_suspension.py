"""A suspended e-office: its users sign in and read; every change is refused, and says why."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context

from provisioning.lifecycle_services import resume_tenant, suspend_tenant
from tenants.models import Tenant
from tests.conftest import ACTOR, World, signed_in_client

pytestmark = pytest.mark.django_db

REASON = "Unpaid invoices for October"


def add_address(client: Client, address: str) -> HttpResponse:
    return client.post("/accounts/email/", {"email": address, "action_add": ""})


def addresses_in(tenant: Tenant, address: str) -> int:
    with schema_context(tenant.schema_name):
        return EmailAddress.objects.filter(email=address).count()


def test_suspended_users_sign_in_and_read(world: World) -> None:
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)

    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    page = client.get("/directory/")

    assert page.status_code == 200
    assert "This e-office is suspended" in page.content.decode()


def test_every_change_is_refused_with_the_reason(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)

    refused = add_address(client, "while.suspended@punjab.example")

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Nothing was changed: this e-office is suspended" in html
    assert REASON in html
    assert addresses_in(world.punjab.tenant, "while.suspended@punjab.example") == 0


def test_resuming_accepts_changes_again(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)
    resume_tenant(tenant=world.punjab.tenant, actor=ACTOR)

    accepted = add_address(client, "after.resume@punjab.example")

    assert accepted.status_code == 302
    assert addresses_in(world.punjab.tenant, "after.resume@punjab.example") == 1


def test_suspending_one_tenant_leaves_the_others_writable(world: World) -> None:
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)
    client = signed_in_client(world.sindh.host, world.sindh.officer_email)

    accepted = add_address(client, "unaffected@sindh.example")

    assert accepted.status_code == 302
    assert addresses_in(world.sindh.tenant, "unaffected@sindh.example") == 1


def test_a_suspension_needs_a_reason(world: World) -> None:
    with pytest.raises(ValidationError):
        suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="   ")

    world.punjab.tenant.refresh_from_db()
    assert world.punjab.tenant.state == Tenant.State.ACTIVE
