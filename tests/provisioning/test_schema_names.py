"""Provisioning and restore name schemas from the tenant's id; the demo finds its tenants by
address, so a demo tenant restored into a schema of another name is used again.

pg_dump sees only committed schemas, so the tenants archived here are made and committed for the
module (with names no other test uses), as in test_archive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context, schema_exists
from pytest_django import DjangoDbBlocker

from accounts.models import User
from accounts.services import create_account
from config import tenant_storage as storage
from provisioning import pipeline
from provisioning.blueprint import create_schema_from_blueprint
from provisioning.demo import load_demo
from provisioning.demo_data import DEMO_PASSWORD, DemoTenant
from provisioning.lifecycle_services import archive_tenant, delete_tenant, restore_tenant
from provisioning.migration_state import TEMPLATE_SCHEMA
from provisioning.services import provision_tenant
from tenants.models import Tenant
from tenants.naming import schema_name_for
from tenants.selectors import tenant_at_address
from tenants.services import register_tenant, transition_tenant
from tests.conftest import PASSWORD, World, signed_in_client

pytestmark = pytest.mark.django_db

ACTOR = "naming-tests"
# Looks like the name a restore of tenant 1 would get, and like the template's.
ARBITRARY = "t-1-r1-tenant-template"
DEMO = DemoTenant(
    "naming-demo",
    "Naming Demo Province",
    ("admin@naming-demo.example", "Demo Admin"),
    (
        ("so@naming-demo.example", "Bilal Ahmed"),
        ("ds@naming-demo.example", "Farah Malik"),
        ("cr@naming-demo.example", "Usman Tariq"),
    ),
)


@pytest.fixture(scope="module")
def storage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("naming-storage")


@pytest.fixture(autouse=True)
def local_storage(settings: Any, storage_dir: Path) -> None:
    settings.S3_BUCKET = ""
    settings.LOCAL_STORAGE_DIR = storage_dir


@pytest.fixture(scope="module")
def made(world: World, django_db_blocker: DjangoDbBlocker, storage_dir: Path) -> dict[str, Any]:
    """Committed: a provisioned tenant at an arbitrary address, and the demo loaded once."""
    with (
        django_db_blocker.unblock(),
        override_settings(LOCAL_STORAGE_DIR=storage_dir, S3_BUCKET=""),
    ):
        tenant = register_tenant(
            name="Arbitrary Address", kind=Tenant.Kind.DEPARTMENT, subdomain=ARBITRARY, actor=ACTOR
        )
        transition_tenant(tenant=tenant, to_state=Tenant.State.APPROVED, actor=ACTOR)
        tenant = provision_tenant(tenant=tenant, actor=ACTOR)
        with schema_context(tenant.schema_name):
            create_account(email="officer@arbitrary.example", full_name="O", password=PASSWORD)
        first_load = load_demo(tenants=[DEMO], application=None)
    return {"arbitrary": tenant, "first_load": first_load}


def test_a_restore_is_named_from_the_id_whatever_the_address(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arbitrary"]
    assert tenant.schema_name == schema_name_for(tenant.pk)
    storage.put_bytes(tenant.storage_prefix + "notes/1.txt", b"kept")

    archive_tenant(tenant=tenant, actor=ACTOR, reason="Naming test")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Naming test")
    restore_tenant(tenant=tenant, actor=ACTOR, reason="Naming test")

    tenant.refresh_from_db()
    restored = schema_name_for(tenant.pk, restore=1)
    assert (tenant.state, tenant.schema_name) == (Tenant.State.ACTIVE, restored)
    assert tenant.storage_prefix == storage.location_for(restored)
    assert schema_exists(restored) and not schema_exists(schema_name_for(tenant.pk))
    with storage.open_object(tenant.storage_prefix + "notes/1.txt") as stream:
        assert stream.read() == b"kept"
    # Its address still serves it, in the restored schema.
    signed_in_client(f"{ARBITRARY}.localhost", "officer@arbitrary.example")


def test_the_schema_step_refuses_a_name_not_generated_for_its_tenant(world: World) -> None:
    tenant = register_tenant(name="Misnamed", kind="department", subdomain="misnamed", actor=ACTOR)
    other = register_tenant(name="Other", kind="department", subdomain="other-one", actor=ACTOR)
    # The constraint allows any generated name; the step allows only the tenant's own.
    Tenant.objects.filter(pk=tenant.pk).update(schema_name=schema_name_for(other.pk, restore=1))
    tenant.refresh_from_db()

    with pytest.raises(ValueError, match="not a schema name generated for this tenant"):
        pipeline.STEP_BY_NAME["create_schema"].run(tenant)

    assert not schema_exists(tenant.schema_name)


@pytest.mark.parametrize("name", [TEMPLATE_SCHEMA, "public", "information_schema"])
def test_the_blueprint_refuses_the_platforms_schemas(world: World, name: str) -> None:
    with pytest.raises(ValueError, match="the platform's, never a tenant's"):
        create_schema_from_blueprint(name)


def test_the_demo_loads_again_after_a_demo_tenant_is_archived_deleted_and_restored(
    made: dict[str, Any],
) -> None:
    assert f"tenant {DEMO.name}" in made["first_load"]
    tenant = tenant_at_address(DEMO.subdomain)
    assert tenant is not None and tenant.state == Tenant.State.ACTIVE
    archive_tenant(tenant=tenant, actor=ACTOR, reason="Demo reset")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Demo reset")
    restore_tenant(tenant=tenant, actor=ACTOR, reason="Demo reset")
    tenant.refresh_from_db()

    created = load_demo(tenants=[DEMO], application=None)

    assert f"tenant {DEMO.name}" not in created  # nothing applied for again
    assert list(Tenant.objects.filter(name=DEMO.name).values_list("pk", flat=True)) == [tenant.pk]
    assert tenant_at_address(DEMO.subdomain) == tenant
    assert tenant.schema_name == schema_name_for(tenant.pk, restore=1)
    with schema_context(tenant.schema_name):
        # The restored accounts are the ones used; none was made twice.
        emails = sorted(User.objects.values_list("email", flat=True))
    assert emails == sorted([DEMO.admin[0], *(email for email, _ in DEMO.officers)])
    signed_in_client(f"{DEMO.subdomain}.localhost", DEMO.officers[0][0], DEMO_PASSWORD)
