"""Unknown addresses get the product's 404 page on both planes, never Django's debug page."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import World

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
@pytest.mark.parametrize("plane", ["control", "tenant"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_unknown_url_gets_the_products_404(world: World, plane: str, signed_in: bool) -> None:
    host = world.control_host if plane == "control" else world.punjab.host
    client = Client(HTTP_HOST=host)
    if signed_in:
        email = world.federal_admin_email if plane == "control" else world.punjab.officer_email
        schema = "public" if plane == "control" else world.punjab.tenant.schema_name
        with schema_context(schema):
            client.force_login(User.objects.get(email=email))
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in page
    assert 'class="card error-card"' in page
    assert "Using the URLconf" not in page and "Django" not in page
    plane_class = "plane-control" if plane == "control" else "plane-eoffice"
    assert plane_class in page


def test_make_run_serves_without_debug() -> None:
    """`make run` is what testers and attackers try: it runs with DEBUG off, so an unknown
    address shows the product's page, not the debug page with every URL pattern."""
    path = Path(__file__).resolve().parents[1] / "platform" / "localstack.py"
    spec = importlib.util.spec_from_file_location("localstack_for_test", path)
    assert spec and spec.loader
    localstack = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = localstack  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(localstack)
    finally:
        del sys.modules[spec.name]
    env = localstack.run_environment({})
    assert env["DJANGO_DEBUG"] == "false"
    assert localstack.run_environment({"DJANGO_DEBUG": "true"})["DJANGO_DEBUG"] == "true"
