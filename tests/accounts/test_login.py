"""Signing in: an account belongs to one plane and one tenant only."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import PASSWORD, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


def test_officer_signs_in_on_own_tenant_and_sees_the_eoffice_home(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    page = client.get("/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Welcome, Officer" in html
    assert "Test Punjab" in html  # the tenant's name in the layout
    assert world.punjab.officer_email in html  # the signed-in officer
    assert page.wsgi_request.user.email == world.punjab.officer_email


def test_same_credentials_are_refused_on_another_tenant(world: World) -> None:
    response = client_for(world.sindh.host).post(
        "/accounts/login/", {"login": world.punjab.officer_email, "password": PASSWORD}
    )

    assert response.status_code == 200  # the form again, not a redirect into the e-office
    assert "not correct" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_officer_credentials_are_refused_on_the_control_plane(world: World) -> None:
    response = client_for(world.control_host).post(
        "/accounts/login/", {"login": world.punjab.officer_email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_control_plane_account_is_refused_on_a_tenant(world: World) -> None:
    response = client_for(world.punjab.host).post(
        "/accounts/login/", {"login": world.federal_admin_email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_anonymous_visitor_is_sent_to_sign_in(world: World) -> None:
    response = client_for(world.punjab.host).get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_open_sign_up_is_closed_on_both_planes(world: World) -> None:
    for host in (world.punjab.host, world.control_host):
        page = client_for(host).get("/accounts/signup/")
        assert "Sign Up Closed" in page.content.decode()


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        stored = User.objects.get(email=world.punjab.officer_email).password

    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
