"""Archiving through real worker processes: writes in flight when it begins, resuming while it
runs, the console's live card, and a worker killed in the middle.

Everything here commits (the `committed` fixture), as a worker and pg_dump see only committed
data; each test uses tenants of its own.
"""

from __future__ import annotations

import signal
import tarfile
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from config import tenant_storage as storage
from eoffice import write_modes
from eoffice.models import Category
from eoffice.selectors.write_mode import write_mode
from provisioning.archive import ARCHIVE_PREFIX
from provisioning.lifecycle_services import resume_tenant, start_archive, work_folder
from provisioning.models import ArchiveRun, TenantArchive
from provisioning.selectors import archive_progress
from tenants.models import Tenant
from tests.conftest import ACTOR, Worker, World, signed_in_client
from tests.provisioning.test_archive import committed_tenant
from tests.provisioning.test_worker_pipeline import SilentS3, own_queue  # noqa: F401 - fixture
from tests.worker import start_worker, stop_worker, wait_for

pytestmark = pytest.mark.worker

S = Tenant.State


def state_of(tenant: Tenant) -> str:
    return Tenant.objects.values_list("state", flat=True).get(pk=tenant.pk)


def run_of(tenant: Tenant) -> ArchiveRun | None:
    return ArchiveRun.objects.filter(tenant=tenant).first()


def archived_rows(archive: TenantArchive, table: str) -> str:
    """The COPY text of one table as the stored archive holds it."""
    with storage.open_object(archive.storage_key) as stream, tarfile.open(fileobj=stream) as tar:
        member = tar.extractfile(f"data/{table}.copy")
        assert member is not None
        return member.read().decode()


class InFlight:
    """A write transaction in another thread (its own connection) that stays open until told."""

    def __init__(self, write: Callable[[], object]) -> None:
        self.begun, self.release = threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(write,), daemon=True)
        self.thread.start()
        assert self.begun.wait(10), self.error

    def _run(self, write: Callable[[], object]) -> None:
        try:
            with transaction.atomic():
                write()
                self.begun.set()
                self.release.wait(60)
        except BaseException as error:  # reported by commit()
            self.error = error
            self.begun.set()
        finally:
            connection.close()

    def commit(self) -> None:
        self.release.set()
        self.thread.join(30)
        assert self.error is None, self.error


def waiting_on_the_write_mode() -> bool:
    """Whether some session waits for a lock to change a write mode (a suspension or freeze
    waiting for writes in flight)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE '%%eoffice_writemode%%'"
        )
        return cursor.fetchone()[0] > 0


def in_schema(schema: str, write: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with schema_context(schema):
            return write()

    return run


def new_category(code: str) -> Callable[[], object]:
    return lambda: Category.objects.create(code=code, name=f"Category {code}")


def test_a_write_in_flight_when_archiving_begins_is_archived_and_later_ones_are_refused(
    world: World, celery_worker: Worker, committed: None
) -> None:
    tenant = committed_tenant("arcw-flight", "Archive Worker Flight")
    schema = tenant.schema_name
    writer = InFlight(in_schema(schema, new_category("FLT")))
    started: dict[str, Any] = {}

    def begin() -> None:
        try:
            started["run"] = start_archive(tenant=tenant, actor=ACTOR, reason="Merged")
        finally:
            connection.close()

    archiving = threading.Thread(target=begin, daemon=True)
    archiving.start()
    # The suspension waits for the write in flight instead of letting it commit after it.
    wait_for(
        lambda: waiting_on_the_write_mode() or None,
        timeout=10,
        what="the suspension to wait for the write in flight",
        log=celery_worker.log,
    )
    assert state_of(tenant) == S.ACTIVE and run_of(tenant) is None
    writer.commit()
    archiving.join(30)
    run = wait_for(
        lambda: ArchiveRun.objects.filter(pk=started["run"].pk, status="succeeded").first(),
        timeout=60,
        what="the worker to archive the tenant",
        log=celery_worker.log,
    )

    assert state_of(tenant) == S.ARCHIVED
    assert "FLT\tCategory FLT" in archived_rows(run.archive, "eoffice_category")
    # After the snapshot nothing commits: the schema stays frozen.
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        in_schema(schema, new_category("LATE"))()
    assert write_modes.is_refused_write(refused.value)
    assert "while the e-office is frozen" in str(refused.value)
    with schema_context(schema):
        assert write_mode() == write_modes.FROZEN
        assert not Category.objects.filter(code="LATE").exists()


def test_the_freeze_waits_for_writes_in_flight_and_resuming_is_refused_meanwhile(
    world: World, celery_worker: Worker, committed: None
) -> None:
    tenant = committed_tenant("arcw-resume", "Archive Worker Resume")
    schema = tenant.schema_name
    console = signed_in_client(world.control_host, world.federal_admin_email)
    console.post(f"/console/tenants/{tenant.pk}/suspend/", {"reason": "Audit", "confirm": "on"})
    # An officer signing in while suspended: a write the suspension allows, still in flight.
    expires = timezone.now() + timedelta(hours=1)
    writer = InFlight(
        in_schema(
            schema,
            lambda: Session.objects.create(
                session_key="inflightsession000000000000000001",
                session_data="e30:signed-in",
                expire_date=expires,
            ),
        )
    )

    console.post(f"/console/tenants/{tenant.pk}/archive/", {"reason": "Closed", "confirm": "on"})
    wait_for(
        lambda: waiting_on_the_write_mode() or None,
        timeout=30,
        what="the worker's freeze to wait for the write in flight",
        log=celery_worker.log,
    )
    card = live_card(console, tenant)
    assert "Waiting for changes in flight, then freezing every write" in card
    assert 'hx-trigger="every 1s"' in card
    refused = console.post(f"/console/tenants/{tenant.pk}/resume/", {"confirm": "on"}, follow=True)
    assert "is being archived" in refused.content.decode()
    with pytest.raises(Exception, match="is being archived"):
        resume_tenant(tenant=tenant, actor=ACTOR)
    assert state_of(tenant) == S.SUSPENDED

    writer.commit()
    finished = wait_for(
        lambda: (lambda html: html if "Delete Archive Worker Resume" in html else None)(
            live_card(console, tenant)
        ),
        timeout=60,
        what="the live card to end on the delete form",
        log=celery_worker.log,
    )

    assert "hx-get" not in finished
    run = run_of(tenant)
    assert run is not None and run.archive is not None
    assert "inflightsession000000000000000001" in archived_rows(run.archive, "django_session")
    assert state_of(tenant) == S.ARCHIVED


def live_card(client: Client, tenant: Tenant) -> str:
    response = client.get(f"/console/tenants/{tenant.pk}/archive/card/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def moto_bucket(s3_endpoint: str, aws_test_credentials: None) -> Iterator[dict[str, str]]:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="eoffice-killed-archive"
    )
    s3 = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "S3_BUCKET": "eoffice-killed-archive",
        "S3_ENDPOINT_URL": s3_endpoint,
    }
    with override_settings(S3_BUCKET=s3["S3_BUCKET"], S3_ENDPOINT_URL=s3_endpoint):
        yield s3


def test_a_worker_killed_mid_archive_leaves_nothing_behind_and_a_retry_succeeds(
    world: World,
    committed: None,
    own_queue: str,  # noqa: F811 - the fixture
    moto_bucket: dict[str, str],
    tmp_path: Path,
) -> None:
    silent = SilentS3()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_worker(
        first_log, queue=own_queue, env=moto_bucket | {"S3_ENDPOINT_URL": silent.url}
    )
    tenant = committed_tenant("arcw-killed", "Archive Worker Killed")
    storage.put_bytes(tenant.storage_prefix + "receipts/letter.pdf", b"%PDF-1.4 letter")
    console = signed_in_client(world.control_host, world.federal_admin_email)
    second = None
    try:
        console.post(f"/console/tenants/{tenant.pk}/archive/", {"reason": "Gone", "confirm": "on"})
        killed = wait_for(
            lambda: ArchiveRun.objects.filter(tenant=tenant, phase="files").first(),
            timeout=60,
            what="the worker to hang copying the files",
            log=first_log,
        )
        assert work_folder(killed).exists()  # the export was half made when the worker died
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        progress = wait_for(
            lambda: (lambda p: p if p and p.interrupted else None)(archive_progress(tenant)),
            timeout=15,
            what="the run to show as interrupted",
            log=first_log,
        )
        assert progress.run.pk == killed.pk and not progress.live
        assert "the worker running it was lost" in live_card(console, tenant)
        with schema_context(tenant.schema_name):
            assert write_mode() == write_modes.FROZEN  # still nothing can be written
        assert state_of(tenant) == S.SUSPENDED

        second = start_worker(second_log, queue=own_queue, env=moto_bucket)
        console.post(f"/console/tenants/{tenant.pk}/archive/", {"reason": "Retry", "confirm": "on"})
        retried = wait_for(
            lambda: ArchiveRun.objects.filter(tenant=tenant, status="succeeded").first(),
            timeout=60,
            what="the retried archive to succeed",
            log=second_log,
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                stop_worker(process)
        silent.close()

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (
        ArchiveRun.Status.FAILED,
        "Interrupted: the worker running it was lost.",
    )
    assert not work_folder(killed).exists()
    assert f"the work folder {work_folder(killed)} of run {killed.pk}" in retried.cleanup
    assert retried.cleanup in live_card(console, tenant)
    assert state_of(tenant) == S.ARCHIVED
    # Exactly one archive object, the recorded one, holding the file.
    stored = list(storage.iter_keys(f"{ARCHIVE_PREFIX}{tenant.schema_name}/"))
    assert stored == [retried.archive.storage_key]
    assert TenantArchive.objects.filter(tenant=tenant).count() == 1
    assert retried.archive.files == 1  # the letter
