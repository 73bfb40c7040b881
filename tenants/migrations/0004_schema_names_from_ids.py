"""Every tenant's schema gets the name generated from its id (`t_<id>`, see tenants.naming).

Until now a schema was named after the requested address (`tenant-template` → `tenant_template`,
the template schema itself). Each existing schema is renamed in place with ALTER SCHEMA … RENAME
(a catalog change: tables, sequences, triggers and rows stay as they are), in the migration's
transaction, so either every tenant moves or none does. What points at the old name follows it:
  - files stay where they are: `storage_prefix` keeps naming their folder (a tenant that had
    none used `tenants/<old schema>/`, which is now written down);
  - the archive records of that schema name it by its new name, so delete still finds them;
  - the tenant's history records the rename.
A tenant whose recorded schema is the platform's own (the template, `public`, PostgreSQL's) never
owned it: that schema is left alone and the tenant gets its generated name, which it then lacks.
Tenants without a schema (applications, rejected, deleted) only get the new name.
"""

import re
from typing import Any

from django.db import migrations, models

ACTOR = "migration tenants.0004"
_GENERATED = r"^t_[1-9][0-9]*(_r[1-9][0-9]*)?$"
_PLATFORM_SCHEMAS = {"public", "tenant_template", "information_schema"}


def _exists(cursor: Any, schema: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
    return cursor.fetchone() is not None


def _quoted(schema_editor: Any, name: str) -> str:
    return schema_editor.quote_name(name)


def rename_legacy_schemas(apps: Any, schema_editor: Any) -> None:
    Tenant = apps.get_model("tenants", "Tenant")
    TenantEvent = apps.get_model("tenants", "TenantEvent")
    TenantArchive = apps.get_model("provisioning", "TenantArchive")
    with schema_editor.connection.cursor() as cursor:
        for tenant in Tenant.objects.order_by("pk"):
            old, new = tenant.schema_name, f"t_{tenant.pk}"
            if re.match(_GENERATED, old):
                continue
            platform_schema = old in _PLATFORM_SCHEMAS or old.startswith("pg_")
            if _exists(cursor, new):
                raise RuntimeError(
                    f"Tenant {tenant.pk} ({tenant.name}) is to move to schema {new}, which "
                    "already exists; rename or drop that schema by hand, then migrate again."
                )
            moved = not platform_schema and _exists(cursor, old)
            if moved:
                cursor.execute(
                    f"ALTER SCHEMA {_quoted(schema_editor, old)} "
                    f"RENAME TO {_quoted(schema_editor, new)}"
                )
                if not tenant.storage_prefix:
                    tenant.storage_prefix = f"tenants/{old}/"
                TenantArchive.objects.filter(tenant=tenant, schema_name=old).update(
                    schema_name=new
                )
            tenant.schema_name = new
            tenant.save(update_fields=["schema_name", "storage_prefix"])
            if moved:
                reason = (
                    f"Schema {old} renamed to {new}: schema names are generated from the "
                    f"tenant's id. Its files stay at {tenant.storage_prefix or 'no location yet'}."
                )
            elif platform_schema:
                reason = (
                    f"The schema recorded for this tenant, {old}, is the platform's and was "
                    f"never its own; it was left untouched and the tenant now names {new}, which "
                    "does not exist yet. Review the tenant before it serves anyone."
                )
            else:
                reason = f"Schema name {old} (no such schema) replaced by {new}."
            TenantEvent.objects.create(
                tenant=tenant,
                from_state=tenant.state,
                to_state=tenant.state,
                actor=ACTOR,
                reason=reason,
            )
        # Checks the deferred foreign keys of the rows written above now, so the table can be
        # altered (the constraint below) in the same transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_backfill_subdomains"),
        ("provisioning", "0002_pipeline_and_archives"),
    ]

    operations = [
        migrations.RunPython(rename_legacy_schemas, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="tenant",
            constraint=models.CheckConstraint(
                condition=models.Q(schema_name__regex=_GENERATED),
                name="tenant_schema_name_is_generated",
            ),
        ),
    ]
