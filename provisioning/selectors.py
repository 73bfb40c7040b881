"""Reads of provisioning state, for the console. Nothing here writes or takes a lock: the
console polls these every second while a worker runs the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from provisioning.models import ArchiveRun, ProvisioningStep, TenantArchive
from provisioning.pipeline import STEP_BY_NAME, is_stalled
from tenants.models import Tenant


@dataclass(frozen=True)
class StepView:
    record: ProvisioningStep
    label: str
    attempts: list[object]


@dataclass(frozen=True)
class Progress:
    """Where a tenant's provisioning stands, step by step."""

    steps: list[StepView]
    done: int
    total: int
    failed: StepView | None
    running: StepView | None
    stalled: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def open_despite_failure(self) -> bool:
        """The failed step came after the e-office opened: its users can already work."""
        return self.failed is not None and STEP_BY_NAME[self.failed.record.name].after_activation

    @property
    def finished(self) -> bool:
        """Every step succeeded: the e-office is open and its first users are invited."""
        return self.failed is None and self.total > 0 and self.done == self.total

    @property
    def live(self) -> bool:
        """Whether the console should keep polling: something may still change by itself (a
        run that looks stalled may be a worker that is merely slow to start)."""
        return self.failed is None and self.done < self.total


def provisioning_progress(tenant: Tenant) -> Progress | None:
    """None for a tenant that was never provisioned through the pipeline."""
    records = list(
        ProvisioningStep.objects.filter(tenant=tenant).prefetch_related("runs").order_by("position")
    )
    if not records:
        return None
    views = [
        StepView(record=r, label=STEP_BY_NAME[r.name].label, attempts=list(r.runs.all()))
        for r in records
    ]
    state = ProvisioningStep.State
    failed = next((v for v in views if v.record.state == state.FAILED), None)
    if failed and not (
        tenant.state == Tenant.State.PROVISIONING_FAILED
        or STEP_BY_NAME[failed.record.name].after_activation
    ):
        failed = None  # a step between automatic retries, or from before a retry
    return Progress(
        steps=views,
        done=sum(v.record.state == state.SUCCEEDED for v in views),
        total=len(views),
        failed=failed,
        running=next((v for v in views if v.record.state == state.RUNNING), None),
        stalled=is_stalled(tenant),
    )


def archives_of(tenant: Tenant) -> QuerySet[TenantArchive]:
    """The tenant's archives, newest first."""
    return TenantArchive.objects.filter(tenant=tenant).order_by("-created_at", "-id")


# First key of the advisory lock pair an archive run's worker holds: this lock space's own.
ARCHIVE_LOCK_SPACE = 0x0EA1
_PHASES: list[str] = [phase for phase in ArchiveRun.Phase if phase != ArchiveRun.Phase.QUEUED]


def archive_run_is_held(run_id: int) -> bool:
    """Whether a worker holds the run's lock, read from pg_locks (taking nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))",
            [ARCHIVE_LOCK_SPACE, run_id],
        )
        return bool(cursor.fetchone()[0])


def archive_run_interrupted(run: ArchiveRun) -> bool:
    """An unfinished run nobody carries out: its worker died mid-run, or no worker took it up
    within PROVISIONING_STALL_SECONDS."""
    if run.status == ArchiveRun.Status.RUNNING:
        return not archive_run_is_held(run.pk)
    if run.status == ArchiveRun.Status.QUEUED:
        waited = timezone.now() - run.created_at
        return waited > timedelta(seconds=settings.PROVISIONING_STALL_SECONDS) and not (
            archive_run_is_held(run.pk)
        )
    return False


@dataclass(frozen=True)
class ArchiveProgress:
    """Where the tenant's latest archive run stands, for the console's live card."""

    run: ArchiveRun
    interrupted: bool

    @property
    def live(self) -> bool:
        """Whether a worker is (or is about to be) on it: the console keeps polling."""
        unfinished = self.run.status in {ArchiveRun.Status.QUEUED, ArchiveRun.Status.RUNNING}
        return unfinished and not self.interrupted

    @property
    def step(self) -> int:
        """How many phases are done (0 while queued)."""
        if self.run.phase == ArchiveRun.Phase.QUEUED:
            return 0
        return _PHASES.index(ArchiveRun.Phase(self.run.phase))

    @property
    def steps(self) -> int:
        return len(_PHASES) - 1  # "done" is not a step


def archive_progress(tenant: Tenant) -> ArchiveProgress | None:
    """The tenant's latest archive run and whether it was interrupted; None if it has none."""
    run = ArchiveRun.objects.filter(tenant=tenant).select_related("archive").first()
    if run is None:
        return None
    return ArchiveProgress(run=run, interrupted=archive_run_interrupted(run))


def unfinished_archive_run(tenant: Tenant) -> ArchiveRun | None:
    """The tenant's queued or running archive run, if any (at most one; see ArchiveRun)."""
    return ArchiveRun.objects.filter(
        tenant=tenant, status__in=[ArchiveRun.Status.QUEUED, ArchiveRun.Status.RUNNING]
    ).first()
