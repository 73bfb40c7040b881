"""Backups of a tenant with real work in it: restored into a fresh schema and verified table by
table, a tampered one refused naming the table, the live tenant untouched, one tenant's backup
holding nothing of another's, and retention keeping what its rule says.

As in test_archive, pg_dump sees only committed schemas, so the tenants (and their work) are
made and backed up once for the module outside any test's transaction; each test then runs in
a transaction that is rolled back (restored schemas included).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context
from pypdf import PdfWriter
from pytest_django import DjangoDbBlocker

from accounts.models import User
from config import tenant_storage as storage
from config.object_storage import s3_client
from config.tenancy import use_public_schema
from eoffice.demo_work import load_demo_office
from eoffice.services.documents import store_document
from provisioning.backup_retention import Rule, expire_backups, kept_by_rule
from provisioning.backups import back_up_tenant, restore_backup, switch_to_restore
from provisioning.checksums import schema_checksums
from provisioning.models import BackupRestore, TenantBackup
from provisioning.tasks import back_up_tenant_task
from tenants.lifecycle import SERVING_STATES
from tenants.models import Tenant, TenantEvent
from tenants.services import register_tenant
from tests.conftest import World
from tests.provisioning.test_archive import committed_tenant, contents, mode_of

pytestmark = pytest.mark.django_db

ACTOR = "backup-tests"
B, R = TenantBackup.State, BackupRestore.State
OFFICERS = [
    ("so@{d}.example", "Bilal Ahmed"),
    ("ds@{d}.example", "Farah Malik"),
    ("cr@{d}.example", "Usman Tariq"),
]


def a_pdf(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_work(tenant: Tenant, marker: str) -> None:
    """The demo's chart, receipts, files and movements, and one uploaded document."""
    with tenant_context(tenant):
        officers = [(email.format(d=tenant.subdomain), name) for email, name in OFFICERS]
        load_demo_office(officers=officers)
        store_document(
            upload=io.BytesIO(a_pdf(marker)),
            name=f"{marker}.pdf",
            uploaded_by=User.objects.get(email=officers[0][0]),
        )
    use_public_schema()


@pytest.fixture(scope="module")
def storage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backup-storage")


@pytest.fixture(scope="module")
def made(world: World, django_db_blocker: DjangoDbBlocker, storage_dir: Path) -> dict[str, Any]:
    with (
        django_db_blocker.unblock(),
        override_settings(LOCAL_STORAGE_DIR=storage_dir, S3_BUCKET=""),
    ):
        alpha = committed_tenant("bk-alpha", "Backup Test Alpha")
        beta = committed_tenant("bk-beta", "Backup Test Beta")
        with_work(alpha, "alpha-only-letter")
        with_work(beta, "beta-only-letter")
        return {
            "alpha": alpha,
            "beta": beta,
            "alpha_backup": back_up_tenant(tenant=alpha, actor=ACTOR),
            "beta_backup": back_up_tenant(tenant=beta, actor=ACTOR),
        }


@pytest.fixture(autouse=True)
def local_storage(settings: Any, storage_dir: Path) -> None:
    settings.S3_BUCKET = ""
    settings.LOCAL_STORAGE_DIR = storage_dir


def files_of(prefix: str) -> dict[str, bytes]:
    out = {}
    for key in storage.iter_keys(prefix):
        with storage.open_object(key) as stream:
            out[key[len(prefix) :]] = stream.read()
    return out


def without_mode(data: dict[str, Any]) -> dict[str, Any]:
    return {name: rows for name, rows in data["tables"].items()}


def test_a_backup_restores_into_a_fresh_schema_that_matches_table_by_table(
    made: dict[str, Any],
) -> None:
    alpha: Tenant = made["alpha"]
    backup: TenantBackup = made["alpha_backup"]
    live_rows, live_files = contents(alpha.schema_name), files_of(alpha.storage_prefix)

    assert backup.state == B.SUCCEEDED
    assert backup.storage_key.startswith(f"backups/{alpha.schema_name}/")
    assert backup.size_bytes > 0 and len(backup.sha256) == 64
    rows = {table["name"]: table["rows"] for table in backup.tables}
    # Real e-office work is in it: receipts, their movements, the uploaded document.
    assert rows["eoffice_receipt"] >= 4 and rows["eoffice_document"] == 1
    assert all(len(table["md5"]) == 32 for table in backup.tables)
    assert {item["path"] for item in backup.files} == set(live_files)

    restored = restore_backup(backup=backup, actor=ACTOR)

    assert restored.state == R.VERIFIED, restored.error
    assert restored.schema_name == f"{alpha.schema_name}_r1"
    assert restored.tables_checked == len(backup.tables)
    assert restored.files_checked == len(backup.files) == 1  # the uploaded document
    assert without_mode(contents(restored.schema_name)) == without_mode(live_rows)
    assert files_of(storage.location_for(restored.schema_name)) == live_files
    found = schema_checksums(restored.schema_name, list(rows))
    assert {name: (c.rows, c.md5) for name, c in found.items() if name != "eoffice_writemode"} == {
        t["name"]: (t["rows"], t["md5"]) for t in backup.tables if t["name"] != "eoffice_writemode"
    }
    assert mode_of(restored.schema_name) == "frozen"  # nothing writes to it before a switch
    # The live tenant is untouched: same schema, same rows, same files, still open.
    alpha.refresh_from_db()
    assert alpha.schema_name == backup.schema_name
    assert contents(alpha.schema_name) == live_rows
    assert files_of(alpha.storage_prefix) == live_files
    assert mode_of(alpha.schema_name) == "open"
    backup.refresh_from_db()
    assert backup.verified_at is not None


def retamper(backup: TenantBackup, table: str, old: bytes, new: bytes, tmp: Path) -> None:
    """Rewrites one table's rows inside the stored archive (same row count) and re-records its
    sha256, as damage the archive's own checksum cannot catch would look."""
    bundle, content = tmp / "a.tar.gz", tmp / "content"
    storage.download_file(backup.storage_key, bundle)
    with tarfile.open(bundle, "r:gz") as tar:
        tar.extractall(content, filter="data")
    data = content / "data" / f"{table}.copy"
    original = data.read_bytes()
    assert old in original
    data.write_bytes(original.replace(old, new, 1))
    with tarfile.open(bundle, "w:gz") as tar:
        for name in ("manifest.json", "pre-data.sql", "post-data.sql", "data", "files"):
            tar.add(content / name, arcname=name)
    storage.upload_file(backup.storage_key, bundle)
    backup.sha256 = hashlib.sha256(bundle.read_bytes()).hexdigest()
    backup.size_bytes = bundle.stat().st_size
    backup.save(update_fields=["sha256", "size_bytes"])


def test_a_tampered_backup_fails_verification_naming_the_table_and_leaves_nothing(
    made: dict[str, Any], tmp_path: Path
) -> None:
    beta: Tenant = made["beta"]
    backup = back_up_tenant(tenant=beta, actor=ACTOR)
    retamper(backup, "eoffice_receipt", b"Accountant General", b"Accountant Generel", tmp_path)

    failed = restore_backup(backup=backup, actor=ACTOR)

    assert failed.state == R.FAILED
    assert [item.get("table") for item in failed.mismatches] == ["eoffice_receipt"]
    assert "table eoffice_receipt" in failed.error
    assert not schema_exists(failed.schema_name)
    assert list(storage.iter_keys(storage.location_for(failed.schema_name))) == []
    backup.refresh_from_db()
    assert backup.verified_at is None


def test_a_backup_damaged_in_storage_is_refused_before_anything_is_restored(
    made: dict[str, Any],
) -> None:
    backup = back_up_tenant(tenant=made["beta"], actor=ACTOR)
    storage.put_bytes(backup.storage_key, b"not the archive")

    failed = restore_backup(backup=backup, actor=ACTOR)

    assert failed.state == R.FAILED
    assert "does not match the checksum" in failed.error
    assert not schema_exists(failed.schema_name)


def test_a_tenants_backup_holds_nothing_of_another_tenant(
    made: dict[str, Any], tmp_path: Path
) -> None:
    alpha, beta = made["alpha"], made["beta"]
    bundle = tmp_path / "alpha.tar.gz"
    storage.download_file(made["alpha_backup"].storage_key, bundle)
    with tarfile.open(bundle, "r:gz") as tar:
        names = tar.getnames()
        everything = b"".join(
            tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()
        )
    assert b"alpha-only-letter" in everything and b"bk-alpha.example" in everything
    assert b"beta-only-letter" not in everything and b"bk-beta.example" not in everything
    assert beta.schema_name.encode() + b"." not in everything
    assert all("beta" not in name for name in names)
    assert made["alpha_backup"].storage_key.startswith(f"backups/{alpha.schema_name}/")
    # And restoring it names alpha's schemas only.
    restored = restore_backup(backup=made["alpha_backup"], actor=ACTOR)
    assert restored.schema_name.startswith(f"{alpha.schema_name}_r")


def test_a_drill_verifies_and_leaves_nothing_but_its_record(made: dict[str, Any]) -> None:
    backup: TenantBackup = made["beta_backup"]

    drill = restore_backup(backup=backup, actor=ACTOR, drill=True)

    assert drill.state == R.VERIFIED and drill.drill
    assert not schema_exists(drill.schema_name)
    assert list(storage.iter_keys(storage.location_for(drill.schema_name))) == []
    assert BackupRestore.objects.filter(pk=drill.pk, state=R.VERIFIED).exists()


def test_switching_to_a_verified_restore_needs_the_name_and_keeps_the_old_schema(
    made: dict[str, Any],
) -> None:
    # Fresh instances: switching changes the tenant these carry, and the module's are shared.
    alpha = Tenant.objects.get(pk=made["alpha"].pk)
    old_schema = alpha.schema_name
    backup = TenantBackup.objects.get(pk=made["alpha_backup"].pk)
    restored = restore_backup(backup=backup, actor=ACTOR)
    with pytest.raises(ValidationError):
        switch_to_restore(restore=restored, actor=ACTOR, typed_name="Alpha", reason="Bad import")
    assert Tenant.objects.get(pk=alpha.pk).schema_name == old_schema

    switch_to_restore(
        restore=restored, actor=ACTOR, typed_name=alpha.name, reason="A bad import on Monday"
    )

    alpha.refresh_from_db()
    assert alpha.schema_name == restored.schema_name
    assert alpha.storage_prefix == storage.location_for(restored.schema_name)
    assert schema_exists(old_schema) and mode_of(old_schema) == "frozen"
    assert mode_of(restored.schema_name) == "open"
    event = TenantEvent.objects.filter(tenant=alpha).latest("id")
    assert f"switched from {old_schema} to {restored.schema_name}" in event.reason


def test_the_rule_keeps_the_newest_of_each_day_week_and_month() -> None:
    tz = ZoneInfo("Asia/Karachi")
    start = datetime(2026, 12, 2, 1, 15, tzinfo=tz)
    # Nightly for 120 days, plus an earlier backup on the newest day.
    made = [(n, start - timedelta(days=n)) for n in range(120)]
    made.append((999, start - timedelta(hours=1)))
    with override_settings(TIME_ZONE="Asia/Karachi"):
        kept = kept_by_rule(made, Rule(daily=7, weekly=4, monthly=12))
    days = {n for n in kept if n != 999}
    # 7 daily: the newest of each of the last 7 days (999 loses to 0 on its day).
    assert set(range(7)) <= days and 999 not in kept
    # Weekly: 2026-12-02 is a Wednesday, so weeks end on the 0th, 3rd, 10th, 17th day back.
    assert {0, 3, 10, 17} <= days
    # Monthly: the newest of December, November, October, September, August (all 120 days).
    assert {0, 2, 32, 63, 93} <= days
    assert len(kept) == len(set(range(7)) | {10, 17} | {32, 63, 93})


def test_retention_expires_what_the_rule_drops_but_never_the_newest_verified(
    made: dict[str, Any],
) -> None:
    beta: Tenant = made["beta"]
    TenantBackup.objects.filter(tenant=beta).update(state=B.FAILED)  # only the ones made here
    now = datetime(2026, 12, 2, 1, 15, tzinfo=ZoneInfo("UTC"))
    backups = []
    for days_back in range(10):
        key = f"backups/{beta.schema_name}/retention-{days_back}.tar.gz"
        storage.put_bytes(key, b"x")
        backup = TenantBackup.objects.create(
            tenant=beta,
            schema_name=beta.schema_name,
            storage_key=key,
            actor=ACTOR,
            state=B.SUCCEEDED,
        )
        TenantBackup.objects.filter(pk=backup.pk).update(started_at=now - timedelta(days=days_back))
        backups.append(backup)
    # The oldest is the only one ever verified: it must survive.
    TenantBackup.objects.filter(pk=backups[9].pk).update(verified_at=now)

    expired = expire_backups(tenant=beta, rule=Rule(daily=3, weekly=0, monthly=0), actor=ACTOR)

    assert sorted(expired) == sorted(b.pk for b in backups[3:9])
    for number, backup in enumerate(backups):
        backup.refresh_from_db()
        gone = 3 <= number < 9
        assert backup.state == (B.EXPIRED if gone else B.SUCCEEDED)
        assert storage.exists(backup.storage_key) is not gone
    events = TenantEvent.objects.filter(tenant=beta, reason__contains="expired (keep 3 daily")
    assert events.count() == 6
    assert expire_backups(tenant=beta, rule=Rule(daily=3, weekly=0, monthly=0)) == []


def test_the_nightly_task_backs_up_once_a_day(made: dict[str, Any]) -> None:
    beta: Tenant = made["beta"]
    TenantBackup.objects.filter(tenant=beta).update(state=B.FAILED)  # none today yet
    day = timezone.localdate().isoformat()
    assert back_up_tenant_task.run(beta.pk, day) == B.SUCCEEDED
    assert back_up_tenant_task.run(beta.pk, day) == "already"


def test_the_command_backs_up_and_drills(made: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("tenant_backup", "backup", "bk-alpha", stdout=out)
    call_command("tenant_backup", "drill", "bk-alpha", stdout=out)
    print(out.getvalue())  # the figures the report quotes (pytest -s)
    assert "verified" in out.getvalue() and "rolled back" in out.getvalue()
    assert "Backup " in out.getvalue() and "in " in out.getvalue()


@pytest.fixture
def moto_bucket(s3_endpoint: str, aws_test_credentials: None) -> Iterator[None]:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="eoffice-backups-test"
    )
    with override_settings(S3_BUCKET="eoffice-backups-test", S3_ENDPOINT_URL=s3_endpoint):
        yield


def test_a_backup_to_s3_restores_verified_with_its_files(
    made: dict[str, Any], moto_bucket: None
) -> None:
    beta: Tenant = made["beta"]
    letter = a_pdf("beta-in-s3")
    storage.put_bytes(beta.storage_prefix + "documents/s3/letter.pdf", letter)
    backup = back_up_tenant(tenant=beta, actor=ACTOR)
    assert backup.state == B.SUCCEEDED, backup.error
    assert storage.exists(backup.storage_key)
    head = s3_client().head_object(Bucket="eoffice-backups-test", Key=backup.storage_key)
    assert head["ServerSideEncryption"] == "AES256"  # encrypted at rest
    assert [item["path"] for item in backup.files] == ["documents/s3/letter.pdf"]

    restored = restore_backup(backup=backup, actor=ACTOR)

    assert restored.state == R.VERIFIED, restored.error
    assert restored.files_checked == 1
    assert files_of(storage.location_for(restored.schema_name)) == {
        "documents/s3/letter.pdf": letter
    }


def test_every_serving_tenant_is_backed_up_nightly_and_drilled_weekly(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery.schedules import crontab
    from django.conf import settings

    from config.celery import app
    from provisioning import tasks

    nightly = settings.CELERY_BEAT_SCHEDULE["back-up-tenants"]
    weekly = settings.CELERY_BEAT_SCHEDULE["drill-tenant-restores"]
    assert isinstance(nightly["schedule"], crontab) and isinstance(weekly["schedule"], crontab)
    assert nightly["task"] == tasks.back_up_serving_tenants.name and nightly["task"] in app.tasks
    assert weekly["task"] == tasks.drill_newest_backups.name and weekly["task"] in app.tasks
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks.back_up_tenant_task, "delay", lambda *a: queued.append(a))

    applied = register_tenant(
        name="Backup Test Applied", kind=Tenant.Kind.PROVINCE, subdomain="bk-applied", actor=ACTOR
    )

    count = tasks.back_up_serving_tenants.run()

    ids = {tenant_id for tenant_id, _ in queued}
    serving = set(Tenant.objects.filter(state__in=SERVING_STATES).values_list("pk", flat=True))
    assert count == len(queued) and ids == serving >= {made["alpha"].pk, made["beta"].pk}
    assert applied.pk not in ids  # not serving yet: nothing to back up


def test_files_an_earlier_restore_left_behind_do_not_fail_or_join_a_new_one(
    made: dict[str, Any],
) -> None:
    alpha: Tenant = made["alpha"]
    stray = storage.location_for(f"{alpha.schema_name}_r1") + "documents/stray/left.pdf"
    storage.put_bytes(stray, b"left by a restore whose schema was dropped by hand")

    restored = restore_backup(backup=made["alpha_backup"], actor=ACTOR)

    assert restored.state == R.VERIFIED, restored.error
    assert not storage.exists(stray)
