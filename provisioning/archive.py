"""A tenant's full export to object storage, and its restore into a new schema.

An archive is one .tar.gz, stored at `archives/<schema>/<UTC time>.tar.gz`:

    manifest.json        written first: format, tenant, schema, time, tables (columns, row
                         counts), sequences (values), files (size, sha256), migrations
    pre-data.sql         the schema's tables, sequences and column defaults
    post-data.sql        its indexes, constraints, foreign keys and triggers
    data/<table>.copy    each table's rows, in PostgreSQL's COPY text format
    files/<path>         every object stored under the tenant's storage prefix

Both scripts come from pg_dump with the schema's name left open (PLACEHOLDER, as in a
blueprint), so an archive can be restored under any schema name. The rows are read with COPY
rather than pg_dump so they are one snapshot of this connection's making: a REPEATABLE READ
transaction when the export is not nested in the caller's. The DDL is read by pg_dump in its own
snapshot; that is safe because a tenant is never archived while its schema is being migrated.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists
from psycopg import sql

from config import tenant_storage as storage
from provisioning.blueprint import PLACEHOLDER, blueprint_from_dump, run_pg_dump
from provisioning.checksums import table_checksum
from provisioning.migration_state import expected_tenant_migrations
from provisioning.models import TenantArchive
from tenants.models import Tenant

FORMAT_VERSION = 1
ARCHIVE_PREFIX = "archives/"
_CHUNK = 1024 * 1024
_TENANT_TABLE_KINDS = ("r",)  # ordinary tables; a partitioned parent holds no rows of its own


class StoredBundle(Protocol):
    """What restore needs to know of a stored archive: a TenantArchive or a TenantBackup."""

    @property
    def storage_key(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def sha256(self) -> str: ...


def archive_key(schema_name: str, at: datetime) -> str:
    """Where the archive of `schema_name` made at `at` (an aware datetime) is stored."""
    utc = at.astimezone(UTC)
    return f"{ARCHIVE_PREFIX}{schema_name}/{utc:%Y%m%dT%H%M%S.%fZ}.tar.gz"


# Told where an export stands: phase ("schema", "rows", "files", "packing", "uploading"), and
# for files how many of how many are copied. Called only between transactions.
Progress = Callable[[str, int, int], None]


def _silent(phase: str, done: int, total: int) -> None:
    return None


def export_tenant(
    *,
    tenant: Tenant,
    actor: str,
    workdir: Path | None = None,
    made_at: datetime | None = None,
    progress: Progress = _silent,
) -> TenantArchive:
    """Exports the tenant's schema and files to object storage and records the archive.

    Guarantees: the stored object is complete before its TenantArchive row is written (an
    upload is never visible half-done), and the row's size and sha256 are those of the stored
    bytes; the tenant's state is not changed. Every table's rows come from one snapshot: the
    export's own REPEATABLE READ transaction, or, when called inside a transaction, the
    caller's (whose isolation level then applies). `workdir` (made here, removed at the end,
    whatever happens short of the process being killed) is where the export is assembled; the
    object's key is archive_key(schema, made_at).
    """
    made_at = made_at or timezone.now()
    key = archive_key(tenant.schema_name, made_at)
    with _work_folder(workdir) as tmp:
        bundle, manifest = pack_tenant(
            tenant=tenant, actor=actor, folder=tmp, made_at=made_at, progress=progress
        )
        tables, files, migrations = manifest["tables"], manifest["files"], manifest["migrations"]
        digest, size = _sha256(bundle), bundle.stat().st_size
        progress("uploading", 0, 0)
        storage.upload_file(key, bundle)
    return TenantArchive.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        storage_key=key,
        size_bytes=size,
        sha256=digest,
        tables=len(tables),
        rows=sum(table["rows"] for table in tables),
        files=len(files),
        migrations=migrations,
        created_by=actor,
    )


def pack_tenant(
    *,
    tenant: Tenant,
    actor: str,
    folder: Path,
    made_at: datetime,
    progress: Progress = _silent,
    checksums: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """Assembles the tenant's archive in `folder` (an empty folder the caller owns); returns
    the bundle's path and its manifest. Uploads and records nothing: export_tenant (archives)
    and provisioning.backups (backups) each store it their own way.

    With `checksums`, every table of the manifest also carries `md5`, PostgreSQL's checksum of
    its rows (provisioning.checksums), computed in the snapshot its rows are copied from.
    """
    schema = tenant.schema_name
    _check_schema_name(schema)
    if not schema_exists(schema):
        raise ValidationError(
            f"{tenant.name} has no schema “{schema}” to archive.", code="no_schema"
        )
    content = folder / "content"
    (content / "data").mkdir(parents=True)
    progress("schema", 0, 0)
    for section in ("pre-data", "post-data"):
        script = blueprint_from_dump(_pg_dump(schema, section), schema=schema)
        (content / f"{section}.sql").write_text(script, encoding="utf-8")
    progress("rows", 0, 0)
    tables, sequences, migrations = _copy_out(schema, content / "data", checksums=checksums)
    files = _fetch_files(tenant.storage_prefix, content / "files", progress)
    manifest = {
        "format": FORMAT_VERSION,
        "tenant": {"id": tenant.pk, "name": tenant.name, "subdomain": tenant.subdomain},
        "schema": schema,
        "storage_prefix": tenant.storage_prefix,
        "created_at": made_at.astimezone(UTC).isoformat(),
        "created_by": actor,
        "tables": tables,
        "sequences": sequences,
        "files": files,
        "migrations": migrations,
    }
    (content / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    progress("packing", 0, 0)
    bundle = folder / "archive.tar.gz"
    _pack(content, bundle)
    return bundle, manifest


def restore_archive(*, archive: StoredBundle, schema_name: str) -> None:
    """Brings an archive back as the new schema `schema_name`, its files under that schema's
    storage location (storage.location_for).

    Guarantees: nothing is written unless the stored archive matches its recorded sha256 and
    `schema_name` is free. The schema is created, filled, its sequences set and its indexes and
    constraints added in one transaction, and the files are put back before it commits, so a
    failed restore leaves no schema behind (files it put back are overwritten by the next try).
    """
    _check_schema_name(schema_name)
    if schema_exists(schema_name):
        raise ValidationError(
            f"The schema “{schema_name}” already exists; an archive is only restored into a new "
            "one.",
            code="schema_exists",
        )
    with tempfile.TemporaryDirectory(prefix="tenant-restore-") as tmp:
        bundle = Path(tmp) / "archive.tar.gz"
        _download_verified(archive, bundle, consequence="so nothing was restored")
        content = Path(tmp) / "content"
        with tarfile.open(bundle, "r:gz") as tar:
            # The "data" filter refuses absolute paths, links and anything leaving `content`.
            tar.extractall(content, filter="data")
        manifest = json.loads((content / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ValidationError(
                f"The archive {archive.storage_key} is in format {manifest.get('format')!r}; "
                f"this code restores format {FORMAT_VERSION}.",
                code="archive_format",
            )
        quoted = sql.Identifier(schema_name).as_string(connection.connection)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quoted}")
            cursor.execute(_script(content / "pre-data.sql", quoted))
            for table in manifest["tables"]:
                _copy_in(cursor, schema_name, table, content / "data")
            for sequence in manifest["sequences"]:
                name = sql.Identifier(schema_name, sequence["name"]).as_string(
                    connection.connection
                )
                cursor.execute(
                    "SELECT setval(%s::regclass, %s, %s)",
                    [name, sequence["last_value"], sequence["is_called"]],
                )
            cursor.execute(_script(content / "post-data.sql", quoted))
            _put_files(content / "files", manifest["files"], storage.location_for(schema_name))


def verify_stored_archive(archive: StoredBundle, *, consequence: str) -> None:
    """Reads the stored archive back in full; refuses (ValidationError, saying `consequence`)
    unless it is there with the size and sha256 recorded when it was made."""
    with tempfile.TemporaryDirectory(prefix="tenant-archive-check-") as tmp:
        _download_verified(archive, Path(tmp) / "archive.tar.gz", consequence=consequence)


def _download_verified(archive: StoredBundle, target: Path, *, consequence: str) -> None:
    if not storage.exists(archive.storage_key):
        raise ValidationError(
            f"The archive {archive.storage_key} is missing from storage, {consequence}.",
            code="archive_missing",
        )
    storage.download_file(archive.storage_key, target)
    size, found = target.stat().st_size, _sha256(target)
    if size != archive.size_bytes or found != archive.sha256:
        raise ValidationError(
            f"The archive {archive.storage_key} does not match the checksum recorded when it "
            f"was made (recorded {archive.size_bytes} bytes, sha256 {archive.sha256[:12]}…; "
            f"found {size} bytes, sha256 {found[:12]}…). It may be damaged or altered, "
            f"{consequence}.",
            code="archive_checksum",
        )


@contextmanager
def _work_folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="tenant-archive-") as tmp:
            yield Path(tmp)
        return
    workdir.mkdir(parents=True)
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def read_manifest(archive: StoredBundle) -> dict[str, Any]:
    """The manifest of a stored archive (downloads the archive; checks nothing)."""
    with tempfile.TemporaryDirectory(prefix="tenant-archive-") as tmp:
        bundle = Path(tmp) / "archive.tar.gz"
        storage.download_file(archive.storage_key, bundle)
        with tarfile.open(bundle, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise ValidationError(f"The archive {archive.storage_key} has no manifest.")
            return json.loads(member.read())


# --- export -----------------------------------------------------------------------------------


def _pg_dump(schema: str, section: str) -> str:
    """pg_dump's script of one section ("pre-data" or "post-data") of one schema's DDL."""
    return run_pg_dump(
        f"--schema={schema}",
        "--strict-names",
        "--schema-only",
        f"--section={section}",
        # A lock held by a long transaction must fail the export, not hang it.
        "--lock-wait-timeout=30s",
        what=f"schema {schema} ({section})",
    )


def _copy_out(
    schema: str, target: Path, *, checksums: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[list[str]]]:
    """Writes every table's rows to `target`; returns the tables, sequences and migrations."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            # Must come before the first query of the transaction; it makes every COPY below
            # read the same snapshot, so rows that refer to each other are exported together.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(
            "SELECT c.relname, c.relkind, "
            "       coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER ("
            "           WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
            "       ), '{}') "
            "FROM pg_class c "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s) "
            "  AND c.relkind IN ('r', 'S') "
            "GROUP BY c.relname, c.relkind ORDER BY c.relname",
            [schema],
        )
        relations = cursor.fetchall()
        tables: list[dict[str, Any]] = []
        for name, kind, columns in relations:
            if kind not in _TENANT_TABLE_KINDS:
                continue
            column_list = sql.SQL("({})").format(
                sql.SQL(", ").join(sql.Identifier(column) for column in columns)
            )
            statement = sql.SQL("COPY {} {} TO STDOUT").format(
                sql.Identifier(schema, name), column_list if columns else sql.SQL("")
            )
            file_name = f"{name}.copy"
            raw = cursor.cursor
            with (target / file_name).open("wb") as out, raw.copy(statement) as copy:
                for chunk in copy:
                    out.write(chunk)
            table = {"name": name, "columns": columns, "rows": raw.rowcount, "file": file_name}
            if checksums:
                table["md5"] = table_checksum(cursor, schema, name).md5
            tables.append(table)
        sequences: list[dict[str, Any]] = []
        for name, kind, _ in relations:
            if kind != "S":
                continue
            # Sequences are outside transactions: this reads their latest value, which is at
            # least every value the snapshot's rows hold.
            cursor.execute(
                sql.SQL("SELECT last_value, is_called FROM {}")
                .format(sql.Identifier(schema, name))
                .as_string(connection.connection)
            )
            last_value, is_called = cursor.fetchone()
            sequences.append({"name": name, "last_value": last_value, "is_called": is_called})
        migrations = _recorded_migrations(cursor, schema)
    return tables, sequences, migrations


def _recorded_migrations(cursor: Any, schema: str) -> list[list[str]]:
    """[app, name] of each tenant-app migration the schema's django_migrations records."""
    tenant_apps = {app for app, _ in expected_tenant_migrations()}
    cursor.execute(
        sql.SQL("SELECT app, name FROM {} ORDER BY app, name")
        .format(sql.Identifier(schema, "django_migrations"))
        .as_string(connection.connection)
    )
    return [[app, name] for app, name in cursor.fetchall() if app in tenant_apps]


def _as_folder(prefix: str) -> str:
    # "tenants/x" would also match "tenants/x_r1/…", another tenant's files.
    return prefix if prefix.endswith("/") else prefix + "/"


def _fetch_files(prefix: str, target: Path, progress: Progress) -> list[dict[str, Any]]:
    """Downloads every object under `prefix` into `target`; an empty prefix has no files."""
    if not prefix:
        return []
    prefix = _as_folder(prefix)
    root = target.resolve()
    files = []
    progress("files", 0, 0)
    keys = list(storage.iter_keys(prefix))
    progress("files", 0, len(keys))
    for number, key in enumerate(keys, start=1):
        relative = key[len(prefix) :]
        if not relative or relative.endswith("/"):
            continue  # a "folder" placeholder some S3 tools create
        path = (target / relative).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"Stored key {key!r} cannot be archived: it leaves its prefix.")
        path.parent.mkdir(parents=True, exist_ok=True)
        storage.download_file(key, path)
        files.append({"path": relative, "size": path.stat().st_size, "sha256": _sha256(path)})
        progress("files", number, len(keys))
    return files


def _pack(content: Path, bundle: Path) -> None:
    """Tars `content` with the manifest first, so a reader finds it without unpacking data."""
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(content / "manifest.json", arcname="manifest.json")
        for name in ("pre-data.sql", "post-data.sql", "data", "files"):
            if (content / name).exists():
                tar.add(content / name, arcname=name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore ----------------------------------------------------------------------------------


def _script(path: Path, quoted_schema: str) -> str:
    return path.read_text(encoding="utf-8").replace(PLACEHOLDER, quoted_schema)


def _copy_in(cursor: Any, schema: str, table: dict[str, Any], data: Path) -> None:
    """Loads one table's rows; refuses if fewer or more arrive than the manifest counted."""
    columns = table["columns"]
    column_list = sql.SQL("({})").format(
        sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    )
    statement = sql.SQL("COPY {} {} FROM STDIN").format(
        sql.Identifier(schema, table["name"]), column_list if columns else sql.SQL("")
    )
    source_path = (data / table["file"]).resolve()
    if not source_path.is_relative_to(data.resolve()):
        raise ValidationError(f"The archive names a data file outside data/: {table['file']!r}.")
    raw = cursor.cursor
    with source_path.open("rb") as source, raw.copy(statement) as copy:
        while chunk := source.read(_CHUNK):
            copy.write(chunk)
    if raw.rowcount != table["rows"]:
        raise ValidationError(
            f"Table {table['name']} restored {raw.rowcount} rows where the archive counted "
            f"{table['rows']}; nothing was restored.",
            code="archive_rows",
        )


def _put_files(source: Path, files: list[dict[str, Any]], prefix: str) -> None:
    root = source.resolve()
    for item in files:
        path = (source / item["path"]).resolve()
        # A path leaving files/ would also leave the new tenant's prefix in storage.
        if not path.is_relative_to(root):
            raise ValidationError(f"The archive names a file outside files/: {item['path']!r}.")
        storage.upload_file(prefix + path.relative_to(root).as_posix(), path)
