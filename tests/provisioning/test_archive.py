"""Archive, delete and restore a tenant: every row, sequence and file comes back, and every
refusal leaves things as they were.

pg_dump runs in its own process and sees only committed schemas, so the tenants archived here
are made and committed once for the module (as the session's `world` is), not inside a test's
transaction. Each test still runs in a transaction that is rolled back; what it does in storage
stays, so every test works on its own tenant or on keys only it uses.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context, schema_exists
from pytest_django import DjangoDbBlocker

from accounts.services import create_account
from config import tenant_storage as storage
from config.tenancy import use_public_schema
from console.lifecycle_forms import RestoreForm
from provisioning.archive import export_tenant, read_manifest, restore_archive
from provisioning.blueprint import PLACEHOLDER, blueprint_from_dump, create_schema_from_blueprint
from provisioning.lifecycle_services import (
    align_write_modes,
    archive_tenant,
    delete_tenant,
    restore_tenant,
    resume_tenant,
    suspend_tenant,
    work_folder,
)
from provisioning.models import ArchiveRun, TenantArchive
from provisioning.selectors import archives_of
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Domain, Tenant, TenantEvent
from tenants.services import register_tenant, transition_tenant
from tests.conftest import PASSWORD, World, signed_in_client
from tests.provisioning.catalog import describe_schema

pytestmark = pytest.mark.django_db

ACTOR = "archive-tests"
S = Tenant.State
LETTER = b"%PDF-1.4 a letter from the Chief Secretary\n" * 50


def committed_tenant(subdomain: str, name: str) -> Tenant:
    """An active tenant with a schema, a host, a storage location and four accounts.

    Call it where the database is unblocked outside a test's transaction (a module fixture),
    so the schema is committed and pg_dump can see it.
    """
    tenant = register_tenant(name=name, kind=Tenant.Kind.PROVINCE, subdomain=subdomain, actor=ACTOR)
    transition_tenant(tenant=tenant, to_state=S.APPROVED, actor=ACTOR)
    transition_tenant(tenant=tenant, to_state=S.PROVISIONING, actor=ACTOR)
    create_schema_from_blueprint(tenant.schema_name)
    Domain.objects.get_or_create(
        domain=f"{subdomain}.localhost", defaults={"tenant": tenant, "is_primary": True}
    )
    Tenant.objects.filter(pk=tenant.pk).update(
        storage_prefix=storage.location_for(tenant.schema_name)
    )
    transition_tenant(tenant=tenant, to_state=S.ACTIVE, actor=ACTOR)
    with schema_context(tenant.schema_name):
        create_account(
            email=f"admin@{subdomain}.example",
            full_name=f"{name} Admin",
            password=PASSWORD,
            is_staff=True,
        )
        for number in range(1, 4):
            create_account(
                email=f"officer{number}@{subdomain}.example",
                full_name=f"Officer {number}",
                password=PASSWORD,
            )
    use_public_schema()
    tenant.refresh_from_db()
    return tenant


def contents(schema: str) -> dict[str, Any]:
    """Every row of every table (as text, sorted) and every sequence's position; the write
    mode aside (archived frozen, restored open: see mode_of)."""
    tables: dict[str, list[str]] = {}
    sequences: dict[str, tuple[int, bool]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relkind FROM pg_class WHERE relkind IN ('r', 'S') AND "
            "relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s) ORDER BY 1",
            [schema],
        )
        for name, kind in cursor.fetchall():
            if name == "eoffice_writemode":
                continue
            if kind == "r":
                cursor.execute(f'SELECT t::text FROM "{schema}"."{name}" t ORDER BY 1')
                tables[name] = [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f'SELECT last_value, is_called FROM "{schema}"."{name}"')
                sequences[name] = cursor.fetchone()
    return {"tables": tables, "sequences": sequences}


def mode_of(schema: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT mode FROM "{schema}".eoffice_writemode')
        return cursor.fetchone()[0]


def read(key: str) -> bytes:
    with storage.open_object(key) as stream:
        return stream.read()


def last_events(tenant: Tenant, count: int) -> list[tuple[str, str, str]]:
    events = TenantEvent.objects.filter(tenant=tenant).order_by("-id")[:count]
    return [(event.from_state, event.to_state, event.reason) for event in events]


@pytest.fixture(scope="module")
def storage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("storage")


@pytest.fixture(scope="module")
def made(world: World, django_db_blocker: DjangoDbBlocker, storage_dir: Path) -> dict[str, Any]:
    """The module's committed tenants; `arc-snap` is archived here, outside any transaction."""
    with (
        django_db_blocker.unblock(),
        override_settings(LOCAL_STORAGE_DIR=storage_dir, S3_BUCKET=""),
    ):
        tenants = {
            subdomain: committed_tenant(subdomain, f"Archive Test {subdomain}")
            for subdomain in (
                "arc-cycle",
                "arc-s3",
                "arc-tamper",
                "arc-refuse",
                "arc-snap",
                "arc-damage",
                "arc-damage-s3",
                "arc-choose",
                "arc-fail",
            )
        }
        statements: list[str] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            snapshot_archive = archive_tenant(
                tenant=tenants["arc-snap"], actor=ACTOR, reason="Made outside a transaction"
            )
    return {**tenants, "snap_archive": snapshot_archive, "snap_statements": statements}


@pytest.fixture(autouse=True)
def local_storage(settings: Any, storage_dir: Path) -> None:
    """Every test stores into the module's own folder, the one its fixture archived into."""
    settings.S3_BUCKET = ""
    settings.LOCAL_STORAGE_DIR = storage_dir


def test_archive_delete_restore_brings_back_every_row_sequence_and_file(
    made: dict[str, Any],
) -> None:
    tenant: Tenant = made["arc-cycle"]
    old_schema, old_prefix = tenant.schema_name, tenant.storage_prefix
    storage.create_location(old_prefix, owner=tenant.name)
    storage.put_bytes(old_prefix + "receipts/2026/letter.pdf", LETTER)
    # A neighbour whose prefix starts with this tenant's: deleting must not touch it.
    neighbour_key = f"tenants/{old_schema}_x/keep.txt"
    storage.put_bytes(neighbour_key, b"not arc-cycle's")
    structure, data = describe_schema(old_schema), contents(old_schema)

    archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Department merged")

    assert tenant.state == S.ARCHIVED
    assert archive.schema_name == old_schema
    assert archive.storage_key.startswith(f"archives/{old_schema}/")
    assert archive.storage_key.endswith("Z.tar.gz")
    stored = read(archive.storage_key)
    assert (archive.size_bytes, archive.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    # The write mode's one row is archived too (frozen: the mode the snapshot was taken in).
    assert archive.tables == len(data["tables"]) + 1
    assert archive.rows == sum(len(rows) for rows in data["tables"].values()) + 1
    assert archive.files == 2  # the letter and the location's marker
    manifest = read_manifest(archive)
    assert manifest["schema"] == old_schema
    assert manifest["tenant"]["name"] == tenant.name
    rows = {table["name"]: table["rows"] for table in manifest["tables"]}
    assert rows["accounts_user"] == 4
    assert {file["path"] for file in manifest["files"]} == {
        "receipts/2026/letter.pdf",
        storage.MARKER,
    }
    assert ["accounts", "0001_initial"] in manifest["migrations"]
    assert manifest["migrations"] == archive.migrations
    accounts_seq = next(s for s in manifest["sequences"] if s["name"] == "accounts_user_id_seq")
    assert (accounts_seq["last_value"], accounts_seq["is_called"]) == (4, True)
    suspended, archived = last_events(tenant, 2)[::-1]
    # Read-only during the export, so no write can land after the snapshot.
    assert suspended == (S.ACTIVE, S.SUSPENDED, "Being archived: Department merged")
    assert archived == (
        S.SUSPENDED,
        S.ARCHIVED,
        f"Department merged (archive {archive.storage_key})",
    )

    delete_tenant(
        tenant=tenant, actor=ACTOR, typed_name=f"  {tenant.name} ", reason="Closed for good"
    )

    assert tenant.state == S.DELETED
    assert not schema_exists(old_schema)
    assert list(storage.iter_keys(old_prefix)) == []
    assert read(neighbour_key) == b"not arc-cycle's"
    assert storage.exists(archive.storage_key)  # the archive outlives the tenant's files
    assert Tenant.objects.filter(pk=tenant.pk).exists()

    restore_tenant(tenant=tenant, actor=ACTOR, reason="Reopened by the Cabinet")

    tenant.refresh_from_db()
    new_schema = f"{old_schema}_r1"
    assert (tenant.state, tenant.schema_name) == (S.ACTIVE, new_schema)
    assert tenant.storage_prefix == storage.location_for(new_schema)
    assert describe_schema(new_schema) == structure
    assert contents(new_schema) == data
    assert mode_of(new_schema) == "open"  # archived frozen, restored open
    assert read(tenant.storage_prefix + "receipts/2026/letter.pdf") == LETTER
    assert [(f, t) for f, t, _ in last_events(tenant, 4)] == [
        (S.DELETED, S.ACTIVE),
        (S.ARCHIVED, S.DELETED),
        (S.SUSPENDED, S.ARCHIVED),
        (S.ACTIVE, S.SUSPENDED),
    ]
    assert new_schema in last_events(tenant, 1)[0][2]
    # Its host (a Domain row that was never touched) serves the restored schema: its officers
    # sign in with the passwords they had, and new rows continue the restored sequences.
    signed_in_client("arc-cycle.localhost", "officer2@arc-cycle.example")
    with schema_context(new_schema):
        newcomer = create_account(email="new@arc-cycle.example", full_name="New", password=None)
    assert newcomer.pk == 5


def test_the_snapshot_is_taken_in_a_repeatable_read_transaction(made: dict[str, Any]) -> None:
    archive: TenantArchive = made["snap_archive"]

    assert "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" in made["snap_statements"]
    assert Tenant.objects.get(pk=made["arc-snap"].pk).state == S.ARCHIVED
    assert archive.rows > 4 and archive.files == 0  # no file was ever stored for arc-snap
    assert storage.exists(archive.storage_key)


def test_the_round_trip_through_s3(
    made: dict[str, Any], s3_endpoint: str, storage_dir: Path, aws_test_credentials: None
) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="eoffice-archives"
    )
    tenant: Tenant = made["arc-s3"]
    old_schema, old_prefix = tenant.schema_name, tenant.storage_prefix
    with override_settings(S3_BUCKET="eoffice-archives", S3_ENDPOINT_URL=s3_endpoint):
        storage.create_location(old_prefix, owner=tenant.name)
        storage.put_bytes(old_prefix + "notes/1.txt", b"first note")
        data = contents(old_schema)

        archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Moved to S3 test")
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Test")
        assert list(storage.iter_keys(old_prefix)) == []
        restore_tenant(tenant=tenant, actor=ACTOR)

        assert storage.exists(archive.storage_key)
        assert read(tenant.storage_prefix + "notes/1.txt") == b"first note"
    assert not (storage_dir / archive.storage_key).exists()  # it went to S3
    assert tenant.schema_name == f"{old_schema}_r1"
    assert contents(tenant.schema_name) == data


def test_a_tampered_archive_is_refused_and_nothing_is_restored(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-tamper"]
    archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Tamper test")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Tamper test")
    stored = bytearray(read(archive.storage_key))
    stored[len(stored) // 2] ^= 0xFF
    storage.put_bytes(archive.storage_key, bytes(stored))

    with pytest.raises(ValidationError, match="does not match the checksum"):
        restore_tenant(tenant=tenant, actor=ACTOR)

    tenant.refresh_from_db()
    assert tenant.state == S.DELETED
    assert not schema_exists(f"{archive.schema_name}_r1")
    assert list(storage.iter_keys(storage.location_for(f"{archive.schema_name}_r1"))) == []


def test_an_archive_is_only_restored_into_a_new_schema(made: dict[str, Any]) -> None:
    archive: TenantArchive = made["snap_archive"]
    taken = made["arc-refuse"].schema_name
    before = contents(taken)

    with pytest.raises(ValidationError, match="already exists"):
        restore_archive(archive=archive, schema_name=taken)

    assert contents(taken) == before


def test_an_application_cannot_be_archived(world: World) -> None:
    applied = register_tenant(
        name="Archive Applicant", kind=Tenant.Kind.DEPARTMENT, subdomain="arc-applied", actor=ACTOR
    )

    with pytest.raises(TransitionNotAllowed, match="cannot go from Applied to Archived"):
        archive_tenant(tenant=applied, actor=ACTOR, reason="Too early")

    applied.refresh_from_db()
    assert applied.state == S.APPLIED
    assert not TenantArchive.objects.filter(tenant=applied).exists()


def test_archiving_needs_a_reason(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]

    with pytest.raises(ValidationError, match="Say why"):
        archive_tenant(tenant=tenant, actor=ACTOR, reason="  ")

    assert Tenant.objects.get(pk=tenant.pk).state == S.ACTIVE
    assert not TenantArchive.objects.filter(tenant=tenant).exists()


def test_an_active_tenant_is_neither_deleted_nor_restored(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]

    with pytest.raises(TransitionNotAllowed, match="cannot go from Active to Deleted"):
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="No")
    with pytest.raises(TransitionNotAllowed, match="cannot go from Active to Active"):
        restore_tenant(tenant=tenant, actor=ACTOR)

    assert Tenant.objects.get(pk=tenant.pk).state == S.ACTIVE
    assert schema_exists(tenant.schema_name)


def test_a_suspended_tenant_is_resumed_not_restored(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]
    transition_tenant(tenant=tenant, to_state=S.SUSPENDED, actor=ACTOR, reason="Audit")

    with pytest.raises(ValidationError, match="Only a deleted tenant is restored"):
        restore_tenant(tenant=tenant, actor=ACTOR)

    assert Tenant.objects.get(pk=tenant.pk).state == S.SUSPENDED


def test_deleting_needs_an_archive_of_the_current_schema(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]
    # Archived by hand, without an export: nothing could bring the data back.
    transition_tenant(tenant=tenant, to_state=S.ARCHIVED, actor=ACTOR, reason="By hand")

    with pytest.raises(ValidationError, match="has no archive of its schema"):
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="No archive")

    assert Tenant.objects.get(pk=tenant.pk).state == S.ARCHIVED
    assert schema_exists(tenant.schema_name)


def test_deleting_needs_the_name_typed_exactly(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]
    archive_tenant(tenant=tenant, actor=ACTOR, reason="Name test")
    events_before = TenantEvent.objects.filter(tenant=tenant).count()

    for typed in ("", "archive test arc-refuse", "Archive Test arc-refus"):
        with pytest.raises(ValidationError, match="Type the tenant's name exactly"):
            delete_tenant(tenant=tenant, actor=ACTOR, typed_name=typed, reason="Wrong name")

    assert Tenant.objects.get(pk=tenant.pk).state == S.ARCHIVED
    assert schema_exists(tenant.schema_name)
    assert TenantEvent.objects.filter(tenant=tenant).count() == events_before


def test_deleting_refuses_when_the_archive_is_gone_from_storage(made: dict[str, Any]) -> None:
    tenant: Tenant = made["arc-refuse"]
    archive = export_tenant(tenant=tenant, actor=ACTOR)
    transition_tenant(tenant=tenant, to_state=S.ARCHIVED, actor=ACTOR, reason="Export test")
    storage.delete_keys([archive.storage_key])

    with pytest.raises(ValidationError, match="missing from storage"):
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Gone")

    assert schema_exists(tenant.schema_name)


def test_a_restore_failing_half_way_leaves_no_schema(made: dict[str, Any], tmp_path: Path) -> None:
    tenant: Tenant = made["arc-tamper"]
    archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Half-way test")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Half-way test")
    # A consistent archive (its checksum recorded) whose manifest miscounts one table's rows:
    # the schema is made and partly filled before the count is found wrong.
    unpacked = tmp_path / "unpacked"
    storage.download_file(archive.storage_key, tmp_path / "original.tar.gz")
    with tarfile.open(tmp_path / "original.tar.gz", "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    manifest = json.loads((unpacked / "manifest.json").read_text())
    for table in manifest["tables"]:
        if table["name"] == "accounts_user":
            table["rows"] += 1
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for name in ("manifest.json", "pre-data.sql", "post-data.sql", "data", "files"):
            if (unpacked / name).exists():
                tar.add(unpacked / name, arcname=name)
    storage.upload_file(archive.storage_key, forged)
    TenantArchive.objects.filter(pk=archive.pk).update(
        sha256=hashlib.sha256(forged.read_bytes()).hexdigest(), size_bytes=forged.stat().st_size
    )

    with pytest.raises(ValidationError, match="accounts_user restored 4 rows"):
        restore_tenant(tenant=tenant, actor=ACTOR)

    tenant.refresh_from_db()
    assert (tenant.state, tenant.schema_name) == (S.DELETED, archive.schema_name)
    assert not schema_exists(f"{archive.schema_name}_r1")


def test_a_tenant_dump_keeps_words_that_merely_spell_its_schema_name() -> None:
    dump = "\n".join(
        [
            "CREATE SCHEMA key;",
            "CREATE TABLE key.t (key text, id bigint DEFAULT nextval('key.t_id_seq'::regclass));",
            'ALTER TABLE ONLY "key".t ADD CONSTRAINT t_key UNIQUE (key);',
        ]
    )

    script = blueprint_from_dump(dump, schema="key")

    assert script.splitlines() == [
        f"CREATE TABLE {PLACEHOLDER}.t (key text, id bigint DEFAULT "
        f"nextval('{PLACEHOLDER}.t_id_seq'::regclass));",
        f"ALTER TABLE ONLY {PLACEHOLDER}.t ADD CONSTRAINT t_key UNIQUE (key);",
    ]
    with pytest.raises(RuntimeError, match="names the schema"):
        blueprint_from_dump("CREATE VIEW v AS SELECT 'key'::regnamespace;", schema="key")


# --- delete reads the archive back; restore chooses among every archive -----------------------


def damaged(data: bytes, how: str) -> bytes:
    if how == "truncated":
        return data[: len(data) // 2]
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0xFF  # same size, other bytes
    return bytes(changed)


def assert_nothing_dropped(tenant: Tenant, events_before: int, kept_key: str) -> None:
    tenant.refresh_from_db()
    assert tenant.state == S.ARCHIVED
    assert schema_exists(tenant.schema_name)
    assert storage.exists(kept_key)  # the tenant's own files are still there
    assert TenantEvent.objects.filter(tenant=tenant).count() == events_before


@pytest.mark.parametrize("how", ["bytes changed", "truncated"])
def test_deleting_reads_the_archive_back_and_refuses_a_damaged_one(
    made: dict[str, Any], how: str
) -> None:
    tenant: Tenant = made["arc-damage"]
    letter_key = tenant.storage_prefix + "receipts/letter.pdf"
    storage.put_bytes(letter_key, LETTER)
    archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Damage test")
    storage.put_bytes(archive.storage_key, damaged(read(archive.storage_key), how))
    events_before = TenantEvent.objects.filter(tenant=tenant).count()

    with pytest.raises(ValidationError) as refused:
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Closed")

    message = " ".join(refused.value.messages)
    assert f"The archive {archive.storage_key} does not match the checksum recorded" in message
    assert f"so {tenant.name} was not deleted" in message
    assert_nothing_dropped(tenant, events_before, letter_key)


def test_deleting_refuses_a_damaged_archive_in_s3(
    made: dict[str, Any], s3_endpoint: str, aws_test_credentials: None
) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="eoffice-damage")
    tenant: Tenant = made["arc-damage-s3"]
    with override_settings(S3_BUCKET="eoffice-damage", S3_ENDPOINT_URL=s3_endpoint):
        letter_key = tenant.storage_prefix + "receipts/letter.pdf"
        storage.put_bytes(letter_key, LETTER)
        archive = archive_tenant(tenant=tenant, actor=ACTOR, reason="Damage test")
        stored = s3.get_object(Bucket="eoffice-damage", Key=archive.storage_key)["Body"].read()
        s3.put_object(
            Bucket="eoffice-damage", Key=archive.storage_key, Body=damaged(stored, "bytes changed")
        )
        events_before = TenantEvent.objects.filter(tenant=tenant).count()

        with pytest.raises(ValidationError, match="does not match the checksum recorded"):
            delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Closed")

        assert_nothing_dropped(tenant, events_before, letter_key)
        # Put right, the same archive is accepted: the check is of the bytes, nothing else.
        s3.put_object(Bucket="eoffice-damage", Key=archive.storage_key, Body=stored)
        delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Closed")
        assert not schema_exists(archive.schema_name)


def test_restore_offers_every_archive_newest_first_and_restores_the_chosen_one(
    made: dict[str, Any],
) -> None:
    tenant: Tenant = made["arc-choose"]
    first_data = contents(tenant.schema_name)
    # An earlier export (a spare copy), then more work, then the archive before deleting.
    first = export_tenant(tenant=tenant, actor=ACTOR)
    with schema_context(tenant.schema_name):
        create_account(email="later@arc-choose.example", full_name="Later", password=None)
    use_public_schema()
    with connection.cursor() as cursor:  # the schema is dropped in this same transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    second = archive_tenant(tenant=tenant, actor=ACTOR, reason="Second")
    delete_tenant(tenant=tenant, actor=ACTOR, typed_name=tenant.name, reason="Second")
    # The newest archive is damaged after the deletion: restore must not be stuck with it.
    storage.put_bytes(second.storage_key, damaged(read(second.storage_key), "bytes changed"))

    form = RestoreForm(tenant=tenant)
    offered = [choice.value for choice, _ in form.fields["archive"].choices]  # type: ignore[attr-defined]  # a ModelChoiceField
    assert [archive.pk for archive in archives_of(tenant)] == [second.pk, first.pk]
    assert offered == [second.pk, first.pk]
    assert form.fields["archive"].initial == second
    with pytest.raises(ValidationError, match="does not match the checksum"):
        restore_tenant(tenant=tenant, actor=ACTOR)
    with pytest.raises(ValidationError, match="not one of Archive Test arc-choose's"):
        restore_tenant(tenant=tenant, actor=ACTOR, archive=made["snap_archive"])

    restore_tenant(tenant=tenant, actor=ACTOR, reason="The older one", archive=first)

    tenant.refresh_from_db()
    assert (tenant.state, tenant.schema_name) == (S.ACTIVE, f"{first.schema_name}_r1")
    assert contents(tenant.schema_name) == first_data
    assert f"restored {first.storage_key}" in last_events(tenant, 1)[0][2]


def test_a_failed_archive_unfreezes_the_schema_and_the_tenant_can_be_resumed(
    made: dict[str, Any], s3_endpoint: str, aws_test_credentials: None
) -> None:
    tenant: Tenant = made["arc-fail"]
    # A bucket that does not exist: the export fails once its files are listed.
    with (
        override_settings(S3_BUCKET="no-such-bucket", S3_ENDPOINT_URL=s3_endpoint),
        pytest.raises(ValidationError, match="Archiving Archive Test arc-fail failed"),
    ):
        archive_tenant(tenant=tenant, actor=ACTOR, reason="Failing")

    run = ArchiveRun.objects.get(tenant=tenant)
    assert (run.status, run.phase) == (ArchiveRun.Status.FAILED, ArchiveRun.Phase.FILES)
    assert "NoSuchBucket" in run.error
    assert not work_folder(run).exists()
    assert Tenant.objects.get(pk=tenant.pk).state == S.SUSPENDED
    assert mode_of(tenant.schema_name) == "suspended"  # read-only again, no longer frozen
    assert not TenantArchive.objects.filter(tenant=tenant).exists()

    resume_tenant(tenant=tenant, actor=ACTOR)

    assert mode_of(tenant.schema_name) == "open"


def test_migrating_gives_suspended_and_archived_tenants_their_mode(made: dict[str, Any]) -> None:
    suspended: Tenant = made["arc-refuse"]
    archived: Tenant = made["arc-snap"]  # archived by the module's fixture: frozen
    suspend_tenant(tenant=suspended, actor=ACTOR, reason="Audit")
    # As after the migration that brought write modes in: every schema open.
    for tenant in (suspended, archived):
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{tenant.schema_name}".eoffice_writemode SET mode = %s', ["open"]
            )

    assert align_write_modes() == 2

    assert (mode_of(suspended.schema_name), mode_of(archived.schema_name)) == (
        "suspended",
        "frozen",
    )
    assert align_write_modes() == 0
