"""Per-tenant logical backups in object storage, and restores that prove them.

A backup is the tenant's archive (provisioning.archive.pack_tenant: schema DDL from pg_dump,
every table's rows by COPY from one REPEATABLE READ snapshot, the stored files with their
sha256, the migration state) with one addition, each table's PostgreSQL checksum
(provisioning.checksums) taken in that same snapshot. It is stored at
`backups/<schema>/<UTC time>.tar.gz`, outside every tenant's storage prefix, so no download
link a tenant can be given reaches it (the bucket itself is private). Reusing the archive keeps
one snapshot format and one restore path: what restores an archived tenant restores a backup.
The COPY files are in the table's physical order, not primary-key order: the checksum fixes its
own order, so the files' order is free and COPY stays a plain sequential read.

A restore goes into a fresh schema `t_<id>_r<N>` (free_schema_name, as a restored archive is
named) and its files under that schema's storage location. In one transaction it loads the
archive (sha256 checked first), then compares every table's row count and checksum with the
ones the control plane recorded at backup time, and every restored file's sha256 with the
recorded one. Tables guarded by append-only and write-mode triggers load because the triggers
are created after the rows (post-data), as for an archive. Any difference rolls the schema back
and the BackupRestore row names the table or file; a verified restore leaves the schema frozen
(no one writes to it) and unattached: the live tenant is never touched. Pointing the tenant at
it is switch_to_restore, a separate, confirmed action. A drill (drill=True) verifies and then
rolls back, leaving nothing but its record.

Files are read after the snapshot, so a document uploaded during the backup may be in the
files without its row (harmless: nothing refers to it); e-office files are never deleted, so
no row refers to a file the backup lacks.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from config import tenant_storage as storage
from config.tenancy import use_public_schema
from eoffice import write_modes
from eoffice.services.write_mode import set_write_mode
from provisioning.archive import _sha256, pack_tenant, restore_archive
from provisioning.checksums import schema_checksums
from provisioning.lifecycle_services import free_schema_name
from provisioning.migration_state import pending_schemas
from provisioning.models import BackupRestore, TenantBackup
from tenants.models import Tenant
from tenants.services import record_event

log = logging.getLogger(__name__)
BACKUP_PREFIX = "backups/"
B = TenantBackup.State
R = BackupRestore.State


def backup_key(schema_name: str, at: datetime) -> str:
    """Where the backup of `schema_name` made at `at` is stored (never under tenants/)."""
    return f"{BACKUP_PREFIX}{schema_name}/{at.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}.tar.gz"


def back_up_tenant(*, tenant: Tenant, actor: str, made_at: datetime | None = None) -> TenantBackup:
    """Backs the tenant up to object storage; returns its TenantBackup, succeeded or failed.

    Guarantees: the row says succeeded only once the object is completely stored, and its size
    and sha256 are the stored bytes'; a failed backup leaves no object behind and its error on
    the row. The tenant and its schema are not changed (reads only; no freeze: the snapshot is
    consistent without one). Call it outside a transaction for a REPEATABLE READ snapshot.
    """
    made_at = made_at or timezone.now()
    backup = TenantBackup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        storage_key=backup_key(tenant.schema_name, made_at),
        actor=actor,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="tenant-backup-") as tmp:
            bundle, manifest = pack_tenant(
                tenant=tenant, actor=actor, folder=Path(tmp), made_at=made_at, checksums=True
            )
            backup.size_bytes, backup.sha256 = bundle.stat().st_size, _sha256(bundle)
            # Encrypted at rest where the store supports it; locally readable by its owner only.
            storage.upload_file(
                backup.storage_key,
                bundle,
                server_side_encryption=settings.BACKUP_S3_SERVER_SIDE_ENCRYPTION,
            )
    except Exception as error:
        log.exception("backup of tenant %s failed", tenant.pk)
        try:
            if storage.exists(backup.storage_key):
                storage.delete_keys([backup.storage_key])
        except Exception:  # storage down: the row still says failed; the object is unlisted
            log.exception("could not remove the failed backup %s", backup.storage_key)
        backup.state, backup.error, backup.finished_at = B.FAILED, str(error), timezone.now()
        backup.save(update_fields=["state", "error", "finished_at", "size_bytes", "sha256"])
        return backup
    backup.tables = [
        {"name": table["name"], "rows": table["rows"], "md5": table["md5"]}
        for table in manifest["tables"]
    ]
    backup.files = manifest["files"]
    backup.migrations = manifest["migrations"]
    backup.state, backup.finished_at = B.SUCCEEDED, timezone.now()
    backup.save()
    return backup


class _Mismatch(Exception):
    def __init__(self, mismatches: list[dict[str, Any]]) -> None:
        super().__init__(describe_mismatches(mismatches))
        self.mismatches = mismatches


class _DrillDone(Exception):
    """Raised to roll a drill's verified schema back."""


def describe_mismatches(mismatches: list[dict[str, Any]]) -> str:
    parts = []
    for item in mismatches:
        what = f"table {item['table']}" if "table" in item else f"file {item['file']}"
        parts.append(f"{what}: expected {item['expected']}, found {item['found']}")
    return "Verification failed: " + "; ".join(parts)


def restore_backup(*, backup: TenantBackup, actor: str, drill: bool = False) -> BackupRestore:
    """Restores `backup` into a fresh schema and verifies it table by table and file by file;
    returns the BackupRestore, verified or failed (its mismatches and error name what differed).

    Guarantees: the live tenant (its schema, files, row) is never written; a failed restore
    leaves no schema and no restored files; a verified one leaves the schema frozen and
    unattached (drill: nothing) and marks the backup verified.
    """
    if backup.state != B.SUCCEEDED:
        raise ValidationError(
            f"Backup {backup.pk} is not stored (it is “{backup.get_state_display()}”); only a "
            "stored backup is restored.",
            code="backup_not_stored",
        )
    schema = free_schema_name(backup.tenant)
    prefix = storage.location_for(schema)
    _clear_leftovers(prefix)
    record = BackupRestore.objects.create(
        backup=backup, schema_name=schema, drill=drill, actor=actor
    )
    try:
        with transaction.atomic():
            restore_archive(archive=backup, schema_name=schema)
            record.tables_checked, record.files_checked = _verify(backup, schema, prefix)
            if drill:
                raise _DrillDone
            _freeze(schema)
    except _DrillDone:
        _remove_files(prefix)
    except _Mismatch as mismatch:
        _remove_files(prefix)
        return _finish(record, R.FAILED, error=str(mismatch), mismatches=mismatch.mismatches)
    except ValidationError as refused:  # damaged archive, or a table's count off while loading
        _remove_files(prefix)
        return _finish(record, R.FAILED, error=" ".join(refused.messages))
    finally:
        use_public_schema()
    backup.verified_at = timezone.now()
    backup.save(update_fields=["verified_at"])
    return _finish(record, R.VERIFIED)


def _verify(backup: TenantBackup, schema: str, prefix: str) -> tuple[int, int]:
    """Compares the restored schema and files with what the backup recorded; raises _Mismatch
    naming every table and file that differs. Returns how many tables and files it checked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = %s) ORDER BY relname",
            [schema],
        )
        restored = [row[0] for row in cursor.fetchall()]
    expected = {table["name"]: table for table in backup.tables}
    found = schema_checksums(schema, restored)
    mismatches: list[dict[str, Any]] = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if want is None or got is None:
            mismatches.append(
                {
                    "table": name,
                    "expected": "present" if want else "absent",
                    "found": "present" if got else "absent",
                }
            )
        elif (want["rows"], want["md5"]) != (got.rows, got.md5):
            mismatches.append(
                {
                    "table": name,
                    "expected": f"{want['rows']} rows, md5 {want['md5']}",
                    "found": f"{got.rows} rows, md5 {got.md5}",
                }
            )
    stored = {key[len(prefix) :]: _stored_sha256(key) for key in storage.iter_keys(prefix)}
    recorded = {item["path"]: item["sha256"] for item in backup.files}
    for path in sorted(set(stored) | set(recorded)):
        if stored.get(path) != recorded.get(path):
            mismatches.append(
                {
                    "file": path,
                    "expected": recorded.get(path, "absent"),
                    "found": stored.get(path, "absent"),
                }
            )
    if mismatches:
        raise _Mismatch(mismatches)
    return len(found), len(stored)


def _stored_sha256(key: str) -> str:
    digest = hashlib.sha256()
    with storage.open_object(key) as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _freeze(schema: str) -> None:
    """Nothing writes to a restored schema until it is switched to (which opens it)."""
    with schema_context(schema):
        set_write_mode(mode=write_modes.FROZEN, wait_seconds=5)


def _clear_leftovers(prefix: str) -> None:
    """Removes files an earlier restore left under the fresh schema's prefix (its schema since
    dropped by hand), which would otherwise fail the file comparison; never a prefix a tenant
    uses."""
    if Tenant.objects.filter(storage_prefix=prefix).exists():
        raise ValidationError(
            f"The storage location {prefix} belongs to a tenant; nothing was restored.",
            code="prefix_in_use",
        )
    _remove_files(prefix)


def _remove_files(prefix: str) -> None:
    storage.delete_keys(list(storage.iter_keys(prefix)))


def _finish(
    record: BackupRestore,
    state: str,
    *,
    error: str = "",
    mismatches: list[dict[str, Any]] | None = None,
) -> BackupRestore:
    record.state, record.error = state, error
    record.mismatches = mismatches or []
    record.finished_at = timezone.now()
    record.save()
    return record


def switch_to_restore(
    *, restore: BackupRestore, actor: str, typed_name: str, reason: str
) -> Tenant:
    """Points the tenant at a verified restore of one of its backups: its schema name and storage
    prefix move to the restored ones, which open; the schema it leaves is frozen and kept (never
    dropped here), so switching back is the same action the other way round by an operator.

    Destructive for the writes made since the backup (they stay only in the old schema), so it
    needs the tenant's name typed and a reason, and it writes a tenant event. One transaction;
    migrations the code gained since the backup are applied. Refused unless the restore is
    verified, not a drill, and its schema still exists and is not already the tenant's.
    """
    tenant = restore.backup.tenant
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if typed_name.strip() != locked.name:
            raise ValidationError(
                "Type the tenant's name exactly to switch it to the restore.", code="confirm"
            )
        if not reason.strip():
            raise ValidationError("Say why the tenant is switched to a restore.", code="reason")
        if restore.state != R.VERIFIED or restore.drill:
            raise ValidationError(
                "Only a verified restore that was kept can be switched to.", code="not_verified"
            )
        if locked.schema_name == restore.schema_name:
            raise ValidationError("The tenant already uses that schema.", code="already")
        old_schema = locked.schema_name
        _set_mode_if_any(old_schema, write_modes.FROZEN)
        locked.schema_name = restore.schema_name
        locked.storage_prefix = storage.location_for(restore.schema_name)
        locked.save(update_fields=["schema_name", "storage_prefix"])
        _set_mode_if_any(restore.schema_name, write_modes.OPEN)
        if pending_schemas([restore.schema_name]):
            call_command(
                "migrate_schemas",
                schema_name=restore.schema_name,
                tenant=True,
                interactive=False,
                verbosity=0,
            )
            use_public_schema()
        record_event(
            tenant=locked,
            actor=actor,
            reason=(
                f"{reason.strip()} (switched from {old_schema} to {restore.schema_name}, "
                f"restored from backup {restore.backup.storage_key}; {old_schema} kept frozen)"
            ),
        )
    tenant.refresh_from_db(fields=["schema_name", "storage_prefix"])
    return locked


def _set_mode_if_any(schema: str, mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(quote_ident(%s) || '.eoffice_writemode') IS NOT NULL", [schema]
        )
        if not cursor.fetchone()[0]:
            return
    with schema_context(schema):
        set_write_mode(mode=mode, wait_seconds=10)
