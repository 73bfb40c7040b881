"""Which tenant schemas lack migrations that the code has: one query over all of them."""

from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import ConnectionHandler
from psycopg import sql

TEMPLATE_SCHEMA = "tenant_template"  # not a DNS label, so no tenant can ever be named so


def create_template_schema() -> None:
    """Creates the (empty) template schema if it is missing; migrating it is the caller's job."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}")
            .format(sql.Identifier(TEMPLATE_SCHEMA))
            .as_string(connection.connection)
        )


@cache
def expected_tenant_migrations() -> frozenset[tuple[str, str]]:
    """(app, name) of every migration of the tenant apps, as the code on disk has them."""
    tenant_labels = {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(key for key in loader.disk_migrations if key[0] in tenant_labels)


def _existing(names: list[str]) -> dict[str, bool]:
    """Which of `names` exist, each with whether it has a django_migrations table yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname, to_regclass(quote_ident(nspname) || '.django_migrations') IS NOT NULL "
            "FROM pg_namespace WHERE nspname = ANY(%s)",
            [names],
        )
        return dict(cursor.fetchall())


def pending_schemas(names: list[str]) -> list[str]:
    """The schemas among `names` that miss at least one expected migration.

    One round trip whatever the number of schemas: a UNION ALL over every schema's
    django_migrations table, counting the expected migrations each has recorded.
    """
    existing = _existing(names)
    never_migrated = [name for name, has_table in existing.items() if not has_table]
    schemas = sorted(name for name, has_table in existing.items() if has_table)
    if not schemas:
        return sorted(never_migrated)
    expected = sorted(f"{app}.{name}" for app, name in expected_tenant_migrations())
    counts = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT {literal} AS schema_name, count(*) FILTER "
            "(WHERE app || '.' || name = ANY(%(expected)s)) AS applied "
            "FROM {table}"
        ).format(
            literal=sql.Literal(schema),
            table=sql.Identifier(schema, "django_migrations"),
        )
        for schema in schemas
    )
    query = sql.SQL("SELECT schema_name FROM ({counts}) AS c WHERE applied < %(total)s").format(
        counts=counts
    )
    with connection.cursor() as cursor:
        cursor.execute(
            query.as_string(connection.connection),
            {"expected": expected, "total": len(expected)},
        )
        return sorted([row[0] for row in cursor.fetchall()] + never_migrated)


# The setting the write-mode guard of every tenant schema (eoffice migration 0008) lets write:
# migrations change a suspended or frozen schema like any other (a data migration's rows
# included), while requests, tasks and shells stay refused.
MIGRATION_WRITES = "-c eoffice.schema_migration=on"


def allow_migration_writes(handler: ConnectionHandler = connections) -> None:
    """Makes every database connection this process (and the processes it forks to migrate
    schemas in parallel) opens from now on carry MIGRATION_WRITES; for `migrate_tenants` only,
    which migrates the schemas of suspended and archived tenants too. It connects to PostgreSQL
    directly, as the release step does (a pooler in transaction mode would drop the option)."""
    for alias in handler:
        database = handler[alias]
        options = database.settings_dict.setdefault("OPTIONS", {})
        existing = str(options.get("options", ""))
        if MIGRATION_WRITES not in existing:
            options["options"] = f"{existing} {MIGRATION_WRITES}".strip()
        if database.connection is not None:  # already open: its session is told directly
            with database.cursor() as cursor:
                cursor.execute("SET eoffice.schema_migration = 'on'")
