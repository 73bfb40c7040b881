"""The end of a tenant's life and its way back: archive, delete, restore.

Each is one service function that checks the transition against tenants.lifecycle before it
does any work, and records it as a TenantEvent naming the archive involved. The Tenant row, its
events and its archives are never deleted: a deleted tenant is a tenant without a schema.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_exists
from psycopg import sql

from config import tenant_storage as storage
from config.tenancy import use_public_schema
from provisioning.archive import export_tenant, restore_archive
from provisioning.migration_state import (
    TEMPLATE_SCHEMA,
    expected_tenant_migrations,
    pending_schemas,
)
from provisioning.models import TenantArchive
from tenants.lifecycle import check_transition
from tenants.models import Tenant
from tenants.naming import schema_name_for
from tenants.services import suspend_tenant, transition_tenant

S = Tenant.State


def archive_tenant(*, tenant: Tenant, actor: str, reason: str) -> TenantArchive:
    """Exports an active or suspended tenant to object storage, then closes it (archived).
    An active tenant is suspended (read-only) first, so nothing written during the export is
    missed.

    Guarantees: a refused transition or a missing reason does no work; the tenant is archived
    only once its archive is stored and recorded. The export is its own REPEATABLE READ
    transaction (a snapshot cannot be taken inside another); the transition is then checked
    again under a lock, and should it be refused after all, the archive stays as a spare copy.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the tenant is archived; it is kept in its history.")
    current = Tenant.objects.get(pk=tenant.pk)
    check_transition(current, S.ARCHIVED)
    if current.state == S.ACTIVE:
        # Read-only first, so no write lands after the snapshot and is lost with the schema.
        # Should the export fail, the tenant stays suspended, saying why, until resumed.
        current = suspend_tenant(tenant=current, actor=actor, reason=f"Being archived: {reason}")
    archive = export_tenant(tenant=current, actor=actor)
    transition_tenant(
        tenant=tenant,
        to_state=S.ARCHIVED,
        actor=actor,
        reason=f"{reason} (archive {archive.storage_key})",
    )
    return archive


def delete_tenant(*, tenant: Tenant, actor: str, typed_name: str, reason: str) -> Tenant:
    """Drops an archived tenant's schema and its stored files; the tenant becomes deleted.

    Refused (ValidationError) unless the tenant is archived, `typed_name` is exactly its name,
    and an archive of its current schema is recorded and present in storage. The schema is
    dropped and the transition recorded in one transaction; the files are deleted after it,
    so a failure there leaves files behind, never a tenant whose files are gone but not its
    schema. The Tenant row, its history and its archives stay.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the tenant is deleted; it is kept in its history.")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        check_transition(locked, S.DELETED)
        if typed_name.strip() != locked.name:
            raise ValidationError(
                f"Type the tenant's name exactly as shown (“{locked.name}”) to delete it.",
                code="name_mismatch",
            )
        archive = latest_archive_of_schema(locked)
        if archive is None:
            raise ValidationError(
                f"{locked.name} has no archive of its schema “{locked.schema_name}”; archive it "
                "before deleting it.",
                code="no_archive",
            )
        if not storage.exists(archive.storage_key):
            raise ValidationError(
                f"The archive {archive.storage_key} is missing from storage; {locked.name} is "
                "not deleted.",
                code="archive_missing",
            )
        _drop_schema(locked.schema_name)
        transition_tenant(
            tenant=tenant,
            to_state=S.DELETED,
            actor=actor,
            reason=f"{reason} (archive {archive.storage_key} kept)",
        )
    if locked.storage_prefix:
        # "tenants/x" must not match "tenants/x_r1/…", another tenant's files.
        prefix = locked.storage_prefix.rstrip("/") + "/"
        storage.delete_keys(list(storage.iter_keys(prefix)))
    return locked


def restore_tenant(*, tenant: Tenant, actor: str, reason: str = "") -> Tenant:
    """Brings a deleted tenant back from its latest archive into a new schema; it is active.

    The new schema is `t_<id>_r<N>` (free_schema_name), with the first N ≥ 1 that no tenant and
    no PostgreSQL schema holds; the tenant's schema name and storage prefix move to it, so its
    domains serve it again. Migrations the code gained since the archive was made are applied.
    Guarantees: one transaction (restore, migrations, transition), so a failure leaves the
    tenant deleted and no new schema; refused if the archive has migrations this code does not know.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        check_transition(locked, S.ACTIVE)
        if locked.state != S.DELETED:
            # Suspended → active is allowed too, but that is resuming, not restoring.
            raise ValidationError(
                f"Only a deleted tenant is restored from its archive; {locked.name} is "
                f"{locked.get_state_display().lower()}.",
                code="not_deleted",
            )
        archive = locked.archives.order_by("-created_at", "-id").first()
        if archive is None:
            raise ValidationError(f"{locked.name} has no archive to restore.", code="no_archive")
        unknown = {tuple(pair) for pair in archive.migrations} - expected_tenant_migrations()
        if unknown:
            names = ", ".join(f"{app}.{name}" for app, name in sorted(unknown))
            raise ValidationError(
                f"The archive was made by newer code: it has migrations this code lacks ({names}).",
                code="archive_newer",
            )
        new_schema = free_schema_name(locked)
        restore_archive(archive=archive, schema_name=new_schema)
        locked.schema_name = new_schema
        locked.storage_prefix = storage.location_for(new_schema)
        locked.save(update_fields=["schema_name", "storage_prefix"])
        if pending_schemas([new_schema]):
            call_command(
                "migrate_schemas",
                schema_name=new_schema,
                tenant=True,
                interactive=False,
                verbosity=0,
            )
            use_public_schema()
        restored = f"(restored {archive.storage_key} into {new_schema})"
        transition_tenant(
            tenant=locked,
            to_state=S.ACTIVE,
            actor=actor,
            reason=f"{reason.strip()} {restored}".lstrip(),
        )
    tenant.refresh_from_db(fields=["schema_name", "storage_prefix", "state"])
    return locked


def latest_archive_of_schema(tenant: Tenant) -> TenantArchive | None:
    """The newest archive of the schema the tenant has now (not of an earlier, restored one)."""
    return (
        TenantArchive.objects.filter(tenant=tenant, schema_name=tenant.schema_name)
        .order_by("-created_at", "-id")
        .first()
    )


def free_schema_name(tenant: Tenant) -> str:
    """`t_<id>_r<N>` (tenants.naming) for the first N ≥ 1 that neither a tenant nor PostgreSQL
    holds: made from the tenant's id only, never from its address or an earlier schema name."""
    number = 1
    while True:
        candidate = schema_name_for(tenant.pk, restore=number)
        if not Tenant.objects.filter(schema_name=candidate).exists() and not schema_exists(
            candidate
        ):
            return candidate
        number += 1


def _drop_schema(schema_name: str) -> None:
    if schema_name in {get_public_schema_name(), TEMPLATE_SCHEMA}:
        raise ValueError(f"Refusing to drop the {schema_name} schema.")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
            .format(sql.Identifier(schema_name))
            .as_string(connection.connection)
        )
