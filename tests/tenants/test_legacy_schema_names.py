"""Tenants from before generated schema names keep working after the migration that renames them.

The test puts the database in the shape it had before the migration (no check constraint, schema
names taken from addresses), runs the migration's function on the historical models, and puts the
constraint back, which succeeds only if every tenant row now holds a generated name.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context, schema_exists

import tenants.migrations
from accounts.services import create_account
from config import tenant_storage as storage
from provisioning.blueprint import create_schema_from_blueprint
from provisioning.lifecycle_services import latest_archive_of_schema
from provisioning.migration_state import TEMPLATE_SCHEMA
from provisioning.models import TenantArchive
from tenants.models import Domain, Tenant, TenantEvent
from tenants.naming import schema_name_for
from tenants.services import register_tenant, reject_application, transition_tenant
from tests.conftest import ACTOR, PASSWORD, World, signed_in_client
from tests.tenants.test_schema_names import rows_of

pytestmark = pytest.mark.django_db
S = Tenant.State
CONSTRAINT = "tenant_schema_name_is_generated"


def migration() -> ModuleType:
    # Found by its name, not its number, which may change when branches are merged.
    [path] = Path(tenants.migrations.__file__).parent.glob("*_schema_names_from_ids.py")
    return importlib.import_module(f"tenants.migrations.{path.stem}")


def run_migration() -> None:
    """The migration's data step, then its constraint. The models are today's: the test
    database has every migration applied, so columns that later migrations dropped (the
    tenant's plan, moved to billing) are no longer there to be read."""
    module = migration()
    state = MigrationLoader(connection).project_state()
    with connection.schema_editor() as editor:
        module.rename_legacy_schemas(state.apps, editor)
        [constraint] = [c for c in Tenant._meta.constraints if c.name == CONSTRAINT]
        editor.add_constraint(Tenant, constraint)


@pytest.fixture
def before_the_migration(world: World, settings: Any, tmp_path: Path) -> None:
    settings.S3_BUCKET, settings.LOCAL_STORAGE_DIR = "", tmp_path
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE tenants_tenant DROP CONSTRAINT {CONSTRAINT}")


def legacy(subdomain: str, *, states: tuple[str, ...] = (), with_schema: bool = False) -> Tenant:
    """A tenant registered the old way: its schema named after its address."""
    tenant = register_tenant(
        name=f"Legacy {subdomain}", kind="province", subdomain=subdomain, actor=ACTOR
    )
    old = subdomain.replace("-", "_")
    Tenant.objects.filter(pk=tenant.pk).update(schema_name=old)
    if with_schema:
        create_schema_from_blueprint(old)
    for state in states:
        transition_tenant(tenant=tenant, to_state=state, actor=ACTOR)
    tenant.refresh_from_db()
    return tenant


OPENED = (S.APPROVED, S.PROVISIONING, S.ACTIVE)


def test_a_legacy_tenant_keeps_its_host_accounts_and_files_in_its_renamed_schema(
    before_the_migration: None,
) -> None:
    tenant = legacy("azad-kashmir", states=OPENED, with_schema=True)
    Domain.objects.create(domain="azad-kashmir.localhost", tenant=tenant, is_primary=True)
    Tenant.objects.filter(pk=tenant.pk).update(storage_prefix="tenants/azad_kashmir/")
    storage.put_bytes("tenants/azad_kashmir/receipts/letter.pdf", b"%PDF a letter")
    with schema_context("azad_kashmir"):
        create_account(email="so@ajk.example", full_name="SO", password=PASSWORD)
    # One that never recorded a prefix: its files were found at tenants/<schema>/.
    unprefixed = legacy("gilgit", states=OPENED, with_schema=True)
    storage.put_bytes("tenants/gilgit/receipts/note.txt", b"a note")

    run_migration()

    tenant.refresh_from_db()
    new = schema_name_for(tenant.pk)
    assert tenant.schema_name == new
    assert schema_exists(new) and not schema_exists("azad_kashmir")
    assert tenant.storage_prefix == "tenants/azad_kashmir/"
    with storage.open_object(tenant.storage_prefix + "receipts/letter.pdf") as stream:
        assert stream.read() == b"%PDF a letter"
    signed_in_client("azad-kashmir.localhost", "so@ajk.example")
    unprefixed.refresh_from_db()
    assert unprefixed.schema_name == schema_name_for(unprefixed.pk)
    assert unprefixed.storage_prefix == "tenants/gilgit/"
    with storage.open_object(unprefixed.storage_prefix + "receipts/note.txt") as stream:
        assert stream.read() == b"a note"
    event = TenantEvent.objects.filter(tenant=tenant).order_by("-id").first()
    assert (event.from_state, event.to_state) == (S.ACTIVE, S.ACTIVE)
    assert f"Schema azad_kashmir renamed to {new}" in event.reason


def test_an_archived_legacy_tenant_can_still_be_deleted_from_its_archive(
    before_the_migration: None,
) -> None:
    tenant = legacy("old-archive", states=(*OPENED, S.ARCHIVED), with_schema=True)
    archive = TenantArchive.objects.create(
        tenant=tenant,
        schema_name="old_archive",
        storage_key="archives/old_archive/20260101T000000.000000Z.tar.gz",
        size_bytes=1,
        sha256="0" * 64,
        tables=0,
        rows=0,
        files=0,
        migrations=[],
        created_by=ACTOR,
    )

    run_migration()

    tenant.refresh_from_db()
    assert latest_archive_of_schema(tenant) == archive
    assert archive.storage_key == TenantArchive.objects.get(pk=archive.pk).storage_key


def test_tenants_without_a_schema_and_a_claimed_template_only_get_their_new_names(
    before_the_migration: None,
) -> None:
    applied = legacy("kpk")
    rejected = legacy("balochistan")
    reject_application(tenant=rejected, actor=ACTOR, reason="No.")
    Tenant.objects.filter(pk=rejected.pk).update(schema_name=f"rejected_{rejected.pk}")
    taker = legacy("tenant-template")
    template_before = rows_of(TEMPLATE_SCHEMA)

    run_migration()

    for tenant in (applied, rejected, taker):
        tenant.refresh_from_db()
        assert tenant.schema_name == schema_name_for(tenant.pk)
        assert not schema_exists(tenant.schema_name)
    assert rows_of(TEMPLATE_SCHEMA) == template_before
    event = TenantEvent.objects.filter(tenant=taker).order_by("-id").first()
    assert "tenant_template, is the platform's" in event.reason


def test_the_migration_stops_rather_than_take_a_schema_that_exists(
    before_the_migration: None,
) -> None:
    tenant = legacy("sialkot", states=OPENED, with_schema=True)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema_name_for(tenant.pk)}")

    with pytest.raises(RuntimeError, match="already exists"):
        run_migration()

    assert schema_exists("sialkot")
