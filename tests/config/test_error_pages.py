"""Error pages are readable pages of the product, never a bare server message."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


def test_server_error_page_renders_without_any_context() -> None:
    # Django draws the 500 page with an empty context: it must not need a tenant or a user.
    response = server_error(RequestFactory().get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "Nothing you entered has been lost" in html
    assert "/static/css/app.css" in html


def test_not_found_page_keeps_the_tenants_layout(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    page = client.get("/no-such-page/")

    html = page.content.decode()
    assert page.status_code == 404
    assert "This page does not exist" in html
    assert "Test Punjab" in html  # still inside the tenant's e-office layout
    assert "Officer 1 of Test Punjab" in html


def test_forbidden_page_explains_why(world: World) -> None:
    page = signed_in_client(world.control_host, world.partner_user_email).get("/console/tenants/")

    assert page.status_code == 403
    assert "The console is for federal administrators." in page.content.decode()


def test_not_found_on_the_control_plane_uses_its_layout(world: World) -> None:
    page = client_for(world.control_host).get("/no-such-page/")

    assert page.status_code == 404
    assert "Federal control plane" in page.content.decode()
