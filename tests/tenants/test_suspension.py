"""A suspended e-office: its users sign in and read; every change is refused, and says why."""

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from config.tenancy import use_public_schema
from eoffice import write_modes
from eoffice.models import AuditEntry, Grading, Movement, Office, Posting, Receipt
from eoffice.selectors.write_mode import write_mode
from eoffice.services.write_mode import set_write_mode
from eoffice.write_modes import is_refused_write
from provisioning.lifecycle_services import resume_tenant, suspend_tenant
from provisioning.migration_state import TEMPLATE_SCHEMA, allow_migration_writes
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant
from tests.conftest import ACTOR, PASSWORD, World, client_for, signed_in_client
from tests.eoffice.chart import PASSWORD as CHART_PASSWORD
from tests.eoffice.chart import Chart, build_chart, register, send

pytestmark = pytest.mark.django_db

REASON = "Unpaid invoices for October"


def add_address(client: Client, address: str) -> Any:
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


# --- the database refuses every write but those of the one list (eoffice.write_modes) ---------


def mode_of(tenant: Tenant) -> str | None:
    with schema_context(tenant.schema_name):
        return write_mode()


def refused(action: Callable[[], object]) -> str:
    """Runs a write that must be refused; returns the database's message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        action()
    assert is_refused_write(caught.value), caught.value
    return str(caught.value.__cause__)


@pytest.fixture
def graded_chart(world: World, db: None) -> Iterator[tuple[Chart, Receipt]]:
    """Punjab's test chart (officers with passwords) and a Confidential receipt that SO(Admin)
    sent to DS(Admin), unread; rolled back after the test."""
    with schema_context(world.punjab.tenant.schema_name):
        chart = build_chart(passwords=True)
        receipt = register(chart, grading=Grading.CONFIDENTIAL)
        send(chart, "so", receipt, "DS(Admin)")
    yield chart, receipt


def test_the_mode_follows_suspension_and_resumption(world: World) -> None:
    tenant = world.punjab.tenant
    assert mode_of(tenant) == write_modes.OPEN

    suspend_tenant(tenant=tenant, actor=ACTOR, reason=REASON)
    assert mode_of(tenant) == write_modes.SUSPENDED
    assert mode_of(world.sindh.tenant) == write_modes.OPEN

    resume_tenant(tenant=tenant, actor=ACTOR)
    assert mode_of(tenant) == write_modes.OPEN


def test_a_refused_suspension_leaves_the_mode_open(world: World) -> None:
    with pytest.raises(ValidationError):
        suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=" ")
    # A tenant that is already suspended is not suspended again.
    suspend_tenant(tenant=world.sindh.tenant, actor=ACTOR, reason=REASON)
    resume_tenant(tenant=world.sindh.tenant, actor=ACTOR)
    with pytest.raises(TransitionNotAllowed):
        resume_tenant(tenant=world.sindh.tenant, actor=ACTOR)

    assert mode_of(world.punjab.tenant) == write_modes.OPEN
    assert mode_of(world.sindh.tenant) == write_modes.OPEN


def test_a_suspended_officer_signs_in_and_opens_items_and_the_reading_is_recorded(
    world: World, graded_chart: tuple[Chart, Receipt]
) -> None:
    chart, receipt = graded_chart
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)

    client = signed_in_client(world.punjab.host, "ds@punjab.example", password=CHART_PASSWORD)
    page = client.get(f"/items/{receipt.pk}/")

    assert page.status_code == 200
    with schema_context(world.punjab.tenant.schema_name):
        sent = Movement.objects.get(item=receipt)
        assert (sent.read_by, sent.read_at is not None) == (chart.officers["ds"], True)
        views = AuditEntry.objects.filter(item=receipt, action=AuditEntry.Action.VIEW)
        assert [v.officer for v in views] == [chart.officers["ds"]]
        assert User.objects.get(email="ds@punjab.example").last_login is not None
    # Refused attempts to read stay on record too.
    outsider = signed_in_client(world.punjab.host, "sob@punjab.example", password=CHART_PASSWORD)
    assert outsider.get(f"/items/{receipt.pk}/").status_code in {403, 404}
    with schema_context(world.punjab.tenant.schema_name):
        assert AuditEntry.objects.filter(item=receipt, action=AuditEntry.Action.REFUSED).exists()
    # Signing out is bookkeeping of the session too.
    assert client.post("/accounts/logout/").status_code == 302


def test_every_other_change_through_http_is_refused_and_nothing_is_kept(
    world: World, graded_chart: tuple[Chart, Receipt]
) -> None:
    chart, receipt = graded_chart
    client = signed_in_client(world.punjab.host, "ds@punjab.example", password=CHART_PASSWORD)
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)

    forward = client.post(
        f"/items/{receipt.pk}/forward/",
        {"to_post": chart.post("SECY").pk, "remarks": "For orders"},
    )
    # accounts_user is on the list, but only for the time of sign-in and the language.
    password = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": CHART_PASSWORD,
            "password1": "Another-Horse-2027",
            "password2": "Another-Horse-2027",
        },
    )

    for response in (forward, password):
        assert response.status_code == 403
        assert "Nothing was changed: this e-office is suspended" in response.content.decode()
        assert REASON in response.content.decode()
    with schema_context(world.punjab.tenant.schema_name):
        assert Movement.objects.filter(item=receipt).count() == 1
        assert User.objects.get(email="ds@punjab.example").check_password(CHART_PASSWORD)


def test_every_write_outside_the_list_is_refused_by_the_database_itself(
    world: World, graded_chart: tuple[Chart, Receipt]
) -> None:
    chart, receipt = graded_chart
    schema = world.punjab.tenant.schema_name
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)

    with schema_context(schema):
        ds = chart.officers["ds"]
        # The ORM, wherever it is called from (a request, a task, a shell).
        refused(lambda: register(chart, grading=Grading.NORMAL))
        refused(lambda: Office.objects.create(code="NEW", name="New section"))
        refused(lambda: User.objects.filter(pk=ds.pk).update(full_name="Renamed"))
        refused(lambda: Posting.objects.filter(officer=ds).delete())
        # Tables on the list, but writes the list does not name.
        refused(lambda: User.objects.filter(pk=ds.pk).update(password="x", last_login=None))
        refused(
            lambda: AuditEntry.objects.create(
                officer=ds, item=receipt, action=AuditEntry.Action.NOTE
            )
        )
        refused(lambda: EmailAddress.objects.create(user=ds, email="ds2@punjab.example"))
    # Raw SQL, schema-qualified from the public schema, and TRUNCATE.
    quoted = connection.ops.quote_name(schema)
    for statement in (
        f"INSERT INTO {quoted}.eoffice_category (code, name) VALUES ('RAW', 'Raw')",
        f"UPDATE {quoted}.eoffice_item SET subject = 'changed'",
        f"DELETE FROM {quoted}.account_emailaddress",
        f"TRUNCATE {quoted}.django_session",
    ):
        message = refused(partial(_execute, statement))
        assert "while the e-office is suspended" in message
    # What stays allowed is what the list names, nothing wider.
    with schema_context(schema):
        assert User.objects.filter(pk=ds.pk).update(last_login=timezone.now()) == 1
        AuditEntry.objects.create(officer=ds, item=receipt, action=AuditEntry.Action.VIEW)


def _execute(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def test_the_database_enforces_exactly_the_one_list(world: World) -> None:
    """The function every tenant schema (and the template new ones are made from) calls is the
    one SUSPENDED_WRITES renders: a change to the list without a migration fails here."""
    expected = write_modes.suspended_writes_sql().split("$$")[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, p.prosrc FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE p.proname = 'eoffice_suspended_write_allowed'"
        )
        installed = dict(cursor.fetchall())
    schemas = {TEMPLATE_SCHEMA, world.punjab.tenant.schema_name, world.sindh.tenant.schema_name}
    assert schemas <= set(installed)
    assert "public" not in installed
    assert {installed[schema] for schema in schemas} == {expected}


def guarded_tables(schema: str) -> dict[str, set[str]]:
    """Each table of the schema with the names of the write-mode triggers it has."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_class c "
            "LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname LIKE 'eoffice_write_mode%%' "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p')",
            [schema],
        )
        tables: dict[str, set[str]] = {}
        for table, trigger in cursor.fetchall():
            tables.setdefault(table, set()).update({trigger} - {None})
    return tables


def test_every_table_of_every_tenant_schema_has_the_write_mode_trigger(world: World) -> None:
    both = {write_modes.GUARD_TRIGGER, write_modes.TRUNCATE_TRIGGER}
    for schema in (TEMPLATE_SCHEMA, world.punjab.tenant.schema_name):
        tables = guarded_tables(schema)
        assert len(tables) > 20
        unguarded = {table for table, triggers in tables.items() if triggers != both}
        assert unguarded == set(write_modes.UNGUARDED_TABLES), schema


def test_a_table_a_later_migration_adds_is_guarded_after_migrating(world: World) -> None:
    schema = world.punjab.tenant.schema_name
    quoted = connection.ops.quote_name(schema)
    _execute(f"CREATE TABLE {quoted}.eoffice_added_later (id integer)")

    call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)
    use_public_schema()

    both = {write_modes.GUARD_TRIGGER, write_modes.TRUNCATE_TRIGGER}
    assert guarded_tables(schema)["eoffice_added_later"] == both
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason=REASON)
    refused(lambda: _execute(f"INSERT INTO {quoted}.eoffice_added_later VALUES (1)"))


def test_a_frozen_e_office_is_closed_with_the_reason(world: World) -> None:
    tenant = world.punjab.tenant
    suspend_tenant(tenant=tenant, actor=ACTOR, reason=REASON)
    with transaction.atomic(), schema_context(tenant.schema_name):
        set_write_mode(mode=write_modes.FROZEN)

    page = client_for(world.punjab.host).get("/accounts/login/")
    signing_in = client_for(world.punjab.host).post(
        "/accounts/login/", {"login": world.punjab.officer_email, "password": PASSWORD}
    )

    for response in (page, signing_in):
        assert response.status_code == 503
        assert "This e-office is being archived" in response.content.decode()
    with schema_context(tenant.schema_name):
        refused(lambda: User.objects.update(last_login=timezone.now()))


def test_migrations_may_write_into_a_suspended_schema_and_nothing_else_may(
    world: World,
) -> None:
    # migrate_tenants migrates suspended and archived tenants' schemas too: a data migration's
    # writes there are let through by the setting its connections carry, and by nothing else.
    schema = world.punjab.tenant.schema_name
    handler = ConnectionHandler({"default": dict(connection.settings_dict, OPTIONS={})})
    allow_migration_writes(handler)  # connections it opens later, as forked migrators do
    try:
        with handler["default"].cursor() as cursor:
            cursor.execute("SHOW eoffice.schema_migration")
            assert cursor.fetchone() == ("on",)
    finally:
        handler.close_all()

    with schema_context(schema):
        set_write_mode(mode=write_modes.SUSPENDED)
        with pytest.raises(DatabaseError), transaction.atomic():
            Office.objects.create(code="MIG", name="Refused")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL eoffice.schema_migration = 'on'")
            Office.objects.create(code="MIG", name="Written by a migration")
        assert Office.objects.filter(code="MIG").exists()
