"""A schema made from the blueprint is the schema the migrations would have made."""

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account
from config.tenancy import use_public_schema
from provisioning.blueprint import PLACEHOLDER, blueprint_from_dump, create_schema_from_blueprint
from tests.conftest import World
from tests.provisioning.catalog import describe_schema

pytestmark = pytest.mark.django_db


def migrated_schema(name: str) -> None:
    """A schema made the stock way: CREATE SCHEMA, then every tenant migration run."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=0)
    use_public_schema()


def test_a_blueprint_schema_is_identical_to_a_migrated_one(world: World) -> None:
    migrated_schema("ident_migrated")
    assert create_schema_from_blueprint("ident_cloned") is True

    migrated, cloned = describe_schema("ident_migrated"), describe_schema("ident_cloned")

    for part in migrated:
        assert cloned[part] == migrated[part], f"{part} differ"
    # The comparison means something only if both sides are complete.
    assert len(migrated["relations"]) > 30
    assert any(row[-1] == "i" for row in migrated["sequences"])  # identity sequences owned
    assert {app for app, _ in migrated["migrations"]} >= {"accounts", "auth", "account", "mfa"}
    assert migrated["permissions"]


def test_a_blueprint_schema_serves_accounts(world: World) -> None:
    create_schema_from_blueprint("fresh_from_blueprint")

    with schema_context("fresh_from_blueprint"):
        create_account(email="first@fresh.example", full_name="First Officer", password="x" * 16)
        assert User.objects.get().email == "first@fresh.example"
        assert User.objects.get().pk == 1  # the identity sequence starts afresh


def test_creating_a_schema_that_exists_changes_nothing(world: World) -> None:
    before = describe_schema(world.punjab.tenant.schema_name)

    assert create_schema_from_blueprint(world.punjab.tenant.schema_name) is False

    assert describe_schema(world.punjab.tenant.schema_name) == before


def test_the_blueprint_leaves_no_reference_to_the_template() -> None:
    dump = "\n".join(
        [
            "-- comment naming tenant_template",
            "SET statement_timeout = 0;",
            "\\restrict abc",
            "CREATE TABLE tenant_template.t (id bigint DEFAULT nextval('tenant_template.s'));",
            'ALTER TABLE ONLY "tenant_template".t ADD CONSTRAINT t_pkey PRIMARY KEY (id);',
        ]
    )

    script = blueprint_from_dump(dump)

    assert script.splitlines() == [
        f"CREATE TABLE {PLACEHOLDER}.t (id bigint DEFAULT nextval('{PLACEHOLDER}.s'));",
        f"ALTER TABLE ONLY {PLACEHOLDER}.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
    ]
    with pytest.raises(RuntimeError, match="names the template"):
        blueprint_from_dump("CREATE VIEW v AS SELECT 'tenant_template' AS leftover;")
