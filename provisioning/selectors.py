"""Reads of provisioning state, for the console. Nothing here writes or takes a lock: the
console polls these every second while a worker runs the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from provisioning.models import ProvisioningStep, TenantArchive
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
