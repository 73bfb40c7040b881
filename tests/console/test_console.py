"""The federal console and the partner portal."""

from datetime import datetime
from functools import partial

import pytest
from django.utils import timezone

from tenants.models import Tenant, TenantRollup
from tests.conftest import Worker, World, client_for, signed_in_client
from tests.worker import wait_for


def _rollup_since(tenant: Tenant, at: datetime) -> TenantRollup | None:
    return TenantRollup.objects.filter(tenant=tenant, computed_at__gte=at).first()


pytestmark = pytest.mark.django_db


def test_federal_admin_console_lists_every_tenant(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    landing = client.get("/")
    page = client.get("/console/tenants/")

    assert landing.status_code == 302 and landing["Location"] == "/console/tenants/"
    html = page.content.decode()
    assert page.status_code == 200
    for made in (world.punjab, world.sindh):
        assert made.tenant.name in html
        assert made.host in html
    assert "Test Partner IT" in html
    assert "Fatima Federal" in html  # the signed-in administrator, in the layout


def test_partner_sees_only_the_tenants_it_operates(world: World) -> None:
    client = signed_in_client(world.control_host, world.partner_user_email)

    landing = client.get("/")
    page = client.get("/console/partner/", follow=True)

    assert landing["Location"] == "/console/partner/"
    html = page.content.decode()
    assert world.punjab.tenant.name in html
    assert world.sindh.tenant.name not in html


def test_partner_user_cannot_open_the_federal_console(world: World) -> None:
    client = signed_in_client(world.control_host, world.partner_user_email)

    page = client.get("/console/tenants/")

    assert page.status_code == 403
    assert "You are not allowed to open this page" in page.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(world: World) -> None:
    response = client_for(world.control_host).get("/console/tenants/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.worker
def test_refresh_figures_recounts_every_tenant_in_the_background(
    world: World, celery_worker: Worker
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    pressed_at = timezone.now()

    response = client.post("/console/tenants/refresh-figures/", follow=True)

    assert "recounting its figures in the background" in response.content.decode()
    for made in (world.punjab, world.sindh):
        rollup = wait_for(
            partial(_rollup_since, made.tenant, pressed_at),
            timeout=60,
            what=f"the refreshed figures of {made.tenant.name}",
            log=celery_worker.log,
        )
        assert rollup.officers == made.account_count
    page = client.get("/console/tenants/").content.decode()
    for made in (world.punjab, world.sindh):
        row = page[page.index(made.tenant.name) :].split("</tr>")[0]
        assert "not yet counted" not in row, row
