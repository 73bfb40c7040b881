"""Federal administrators ask for a tenant's daily figures on demand: a missing day is
collected, a collected one recomputed only when asked (its next revision, audited); days not
over are refused with the reason; nobody else may ask."""

from __future__ import annotations

from typing import Any

import pytest

from billing.models import BillingEvent, UsageRecord
from tests.billing.test_usage_tasks import (
    accounts_joined,
    bill_from,
    days_ago,
)
from tests.conftest import World, signed_in_client

# Queued tasks run at once, in the test's transaction.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager")]


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_missing_day_is_collected_and_a_collected_one_recomputed_only_when_asked(
    world: World,
) -> None:
    punjab, day = world.punjab.tenant, days_ago(3)
    bill_from(punjab, days_ago(30))
    accounts_joined(punjab.schema_name, days_ago(30))
    client = signed_in_client(world.control_host, world.federal_admin_email)
    url = f"/console/tenants/{punjab.pk}/figures/collect/"

    first = client.post(url, {"day": day.isoformat()}, follow=True)
    again = client.post(url, {"day": day.isoformat()}, follow=True)
    assert UsageRecord.objects.filter(tenant=punjab, day=day).count() == 1
    assert any("being collected" in text for text in _messages(first))
    assert again.status_code == 200

    recomputed = client.post(url, {"day": day.isoformat(), "recompute": "on"}, follow=True)

    revisions = list(
        UsageRecord.objects.filter(tenant=punjab, day=day).values_list("revision", flat=True)
    )
    assert sorted(revisions) == [0, 1]
    assert any("recomputed" in text for text in _messages(recomputed))
    event = BillingEvent.objects.get(tenant=punjab, action="usage_recomputed")
    assert event.actor == world.federal_admin_email


@pytest.mark.parametrize(
    ("day", "reason"),
    [(days_ago(0).isoformat(), "is not over yet"), ("2019-12-31", "no figures before"), ("", "")],
)
def test_a_day_that_cannot_be_collected_is_refused_with_the_reason(
    world: World, day: str, reason: str
) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(30))
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.post(
        f"/console/tenants/{punjab.pk}/figures/collect/", {"day": day}, follow=True
    )

    assert not UsageRecord.objects.filter(tenant=punjab).exists()
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and reason in str(errors[0])


def test_only_federal_administrators_ask_for_figures(world: World) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(30))
    for email in (world.partner_user_email,):
        client = signed_in_client(world.control_host, email)
        day = client.post(
            f"/console/tenants/{punjab.pk}/figures/collect/", {"day": days_ago(2).isoformat()}
        )
        run = client.post("/console/tenants/collect-figures/")
        assert (day.status_code, run.status_code) == (403, 403)
    assert not UsageRecord.objects.filter(tenant=punjab).exists()


def test_the_nightly_collection_runs_on_demand(world: World) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(3))
    accounts_joined(punjab.schema_name, days_ago(30))
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.post("/console/tenants/collect-figures/", follow=True)

    assert response.status_code == 200
    days = set(UsageRecord.objects.filter(tenant=punjab).values_list("day", flat=True))
    assert {days_ago(1), days_ago(2), days_ago(3)} <= days


def test_the_tenant_page_offers_the_form(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    html = client.get(f"/console/tenants/{world.punjab.tenant.pk}/").content.decode()

    assert f'action="/console/tenants/{world.punjab.tenant.pk}/figures/collect/"' in html
    assert 'id="collect_day"' in html and 'id="collect_recompute"' in html
