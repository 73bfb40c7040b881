"""Each host serves one plane: the control plane, one tenant's e-office, or nothing."""

import pytest

from tenants.models import Tenant
from tenants.services import register_tenant
from tests.conftest import ACTOR, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


def test_tenant_host_does_not_serve_control_plane_pages(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.admin_email)

    for path in ("/console/tenants/", "/console/partner/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "This page does not exist" in response.content.decode()


def test_control_plane_serves_no_tenant_pages(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.get("/directory/")

    assert response.status_code == 404
    landing = client_for(world.control_host).get("/")
    assert "One e-office for every province" in landing.content.decode()


def test_unknown_host_gets_a_clear_404_page(world: World) -> None:
    response = client_for("nowhere.localhost").get("/accounts/login/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no e-office at this address" in html
    assert "nowhere.localhost" in html


def test_host_outside_the_platform_gets_the_same_404_page(world: World) -> None:
    response = client_for("evil.example").get("/")

    assert response.status_code == 404
    assert "There is no e-office at this address" in response.content.decode()


def test_tenant_not_yet_provisioned_is_not_reachable(world: World) -> None:
    register_tenant(
        name="Balochistan", kind=Tenant.Kind.PROVINCE, subdomain="balochistan", actor=ACTOR
    )

    response = client_for("balochistan.localhost").get("/accounts/login/")

    assert response.status_code == 404
    assert "There is no e-office at this address" in response.content.decode()


def test_suspended_tenant_still_serves_sign_in_with_a_banner(world: World) -> None:
    Tenant.objects.filter(pk=world.sindh.tenant.pk).update(state=Tenant.State.SUSPENDED)
    client = signed_in_client(world.sindh.host, world.sindh.officer_email)

    page = client.get("/")

    assert page.status_code == 200
    assert "This e-office is suspended" in page.content.decode()


def test_www_prefix_reaches_the_control_plane(world: World) -> None:
    page = client_for("www.localhost").get("/")

    assert page.status_code == 200
    assert "One e-office for every province" in page.content.decode()
