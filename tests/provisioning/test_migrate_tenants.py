"""migrate_tenants finds the schemas that miss migrations in one query and migrates only them."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.signals import schema_migrated

from provisioning.migration_state import TEMPLATE_SCHEMA, pending_schemas
from tenants.models import Tenant
from tenants.services import register_tenant
from tests.conftest import ACTOR, World

pytestmark = pytest.mark.django_db


@contextmanager
def record_migrated_schemas() -> Iterator[list[str]]:
    """The schemas django-tenants' executor runs migrations on, in order."""
    migrated: list[str] = []

    def receiver(sender: object, schema_name: str, **kwargs: Any) -> None:
        migrated.append(schema_name)

    schema_migrated.connect(receiver)
    try:
        yield migrated
    finally:
        schema_migrated.disconnect(receiver)


def bare_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')


def test_current_schemas_are_not_pending(world: World) -> None:
    names = [TEMPLATE_SCHEMA, world.punjab.tenant.schema_name, world.sindh.tenant.schema_name]

    with CaptureQueriesContext(connection) as queries:
        assert pending_schemas(names) == []

    reads = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(reads) == 2  # which schemas exist, then one count over all of them


def test_a_schema_missing_one_migration_is_pending(world: World) -> None:
    sindh = world.sindh.tenant.schema_name
    with connection.cursor() as cursor:
        # A tenant app's migration (shared apps' ones are no-ops in a tenant schema).
        cursor.execute(f"DELETE FROM \"{sindh}\".django_migrations WHERE app = 'accounts'")
    bare_schema("never_migrated")

    pending = pending_schemas([world.punjab.tenant.schema_name, sindh, "never_migrated", "absent"])

    assert pending == ["never_migrated", sindh]


def test_migrate_tenants_migrates_only_the_schema_that_needs_it(world: World) -> None:
    tenant = register_tenant(name="Gilgit-Baltistan", kind="province", subdomain="gb", actor=ACTOR)
    bare_schema(tenant.schema_name)
    out = StringIO()

    with record_migrated_schemas() as migrated:
        call_command("migrate_tenants", verbosity=1, stdout=out)

    total = Tenant.objects.count() + 1  # the template too
    assert f"1 of {total} tenant schemas need migrations" in out.getvalue()
    assert migrated == ["public", tenant.schema_name]
    assert pending_schemas([tenant.schema_name]) == []


def test_migrate_tenants_with_nothing_to_apply_migrates_no_tenant(world: World) -> None:
    out = StringIO()

    with record_migrated_schemas() as migrated:
        call_command("migrate_tenants", verbosity=1, stdout=out)

    assert f"0 of {Tenant.objects.count() + 1} tenant schemas need migrations" in out.getvalue()
    assert migrated == ["public"]
