"""An officer's active day: recorded at sign-in and on the first request of each day of a
session, once a day, in the officer's own schema, and still while the e-office is suspended."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.active_days import SESSION_DAY
from accounts.models import ActiveDay, User
from accounts.services import record_active_day
from provisioning.lifecycle_services import suspend_tenant
from tests.conftest import ACTOR, World, signed_in_client

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def active_days(schema: str, email: str) -> list[datetime.date]:
    with schema_context(schema):
        return list(ActiveDay.objects.filter(user__email=email).values_list("day", flat=True))


def activeday_writes(client: Client, path: str = "/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return [q["sql"] for q in queries.captured_queries if "accounts_activeday" in q["sql"]]


def test_signing_in_records_the_day_in_the_officers_schema_only(world: World) -> None:
    punjab = world.punjab.tenant.schema_name
    with schema_context(get_public_schema_name()):
        on_control_plane = ActiveDay.objects.count()
    signed_in_client(world.punjab.host, world.punjab.officer_email)

    assert active_days(punjab, world.punjab.officer_email) == [today()]
    # Not another officer of the same e-office, nor anything in the other tenant or on the
    # control plane (which has its own accounts).
    assert active_days(punjab, world.punjab.officer_emails[1]) == []
    assert active_days(world.sindh.tenant.schema_name, world.punjab.officer_email) == []
    with schema_context(get_public_schema_name()):
        assert ActiveDay.objects.count() == on_control_plane


def test_the_control_plane_records_its_own_accounts(world: World) -> None:
    signed_in_client(world.control_host, world.partner_user_email)

    assert active_days(get_public_schema_name(), world.partner_user_email) == [today()]


def test_a_session_writes_the_day_once_not_on_every_request(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    assert activeday_writes(client) == []
    assert activeday_writes(client, "/directory/") == []
    assert client.session[SESSION_DAY] == today().isoformat()


def test_a_session_open_past_midnight_records_the_new_day(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    schema = world.punjab.tenant.schema_name
    # As if the sign-in had been yesterday: yesterday's row, and the session's memo of it.
    yesterday = today() - datetime.timedelta(days=1)
    with schema_context(schema):
        ActiveDay.objects.filter(user__email=world.punjab.officer_email).delete()
        record_active_day(user=User.objects.get(email=world.punjab.officer_email), day=yesterday)
    session = client.session
    session[SESSION_DAY] = yesterday.isoformat()
    session.save()

    assert len(activeday_writes(client)) == 1
    assert activeday_writes(client) == []  # and then not again that day
    assert sorted(active_days(schema, world.punjab.officer_email)) == [yesterday, today()]


def test_recording_twice_writes_one_row_and_leaves_the_transaction_usable(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        officer = User.objects.get(email=world.punjab.officer_email)
        record_active_day(user=officer, day=datetime.date(2026, 11, 3))
        record_active_day(user=officer, day=datetime.date(2026, 11, 3))

        assert ActiveDay.objects.filter(user=officer).count() == 1
        assert User.objects.filter(pk=officer.pk).exists()  # no aborted transaction


def test_a_suspended_e_office_still_records_sign_ins(world: World) -> None:
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="Audit of accounts")

    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    assert client.get("/directory/").status_code == 200
    assert active_days(world.punjab.tenant.schema_name, world.punjab.officer_email) == [today()]


def test_a_suspended_e_office_records_the_new_day_of_an_open_session(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    schema = world.punjab.tenant.schema_name
    with schema_context(schema):
        ActiveDay.objects.filter(user__email=world.punjab.officer_email).delete()
    session = client.session
    session[SESSION_DAY] = (today() - datetime.timedelta(days=1)).isoformat()
    session.save()
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="Audit of accounts")

    page = client.get("/directory/")

    assert page.status_code == 200
    assert active_days(schema, world.punjab.officer_email) == [today()]
