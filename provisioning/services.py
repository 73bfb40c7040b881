"""Provisioning actions. Each step can be run again after a failure without duplicating anything."""

from django.db import transaction

from provisioning import pipeline
from tenants.models import Tenant
from tenants.services import transition_tenant


def start_provisioning(*, tenant: Tenant, actor: str) -> None:
    """Moves an approved tenant to `provisioning` and queues the pipeline's first step."""
    with transaction.atomic():
        transition_tenant(tenant=tenant, to_state=Tenant.State.PROVISIONING, actor=actor)
        pipeline.plan_steps(tenant=tenant)
        _queue_after_commit(tenant, pipeline.STEPS[0].name)


def retry_provisioning(*, tenant: Tenant, actor: str) -> str:
    """Resumes a failed or stalled run from the step that did not finish; returns that step."""
    with transaction.atomic():
        resume = pipeline.prepare_retry(tenant=tenant, actor=actor)
        _queue_after_commit(tenant, resume)
    return resume


def _queue_after_commit(tenant: Tenant, step: str) -> None:
    from provisioning.tasks import run_provisioning_step

    tenant_id = tenant.pk
    transaction.on_commit(lambda: run_provisioning_step.delay(tenant_id, step))


def provision_tenant(*, tenant: Tenant, actor: str) -> Tenant:
    """Runs the whole pipeline in this process (demo data, tests, benchmarks): approved to
    active, or raises the failing step's error with the tenant left "provisioning failed"."""
    if tenant.state == Tenant.State.APPROVED:
        transition_tenant(tenant=tenant, to_state=Tenant.State.PROVISIONING, actor=actor)
    pipeline.plan_steps(tenant=tenant)
    step: str | None = pipeline.first_unfinished(tenant)
    while step:
        step = pipeline.run_step(tenant_id=tenant.pk, name=step, final_attempt=True)
    tenant.refresh_from_db()
    return tenant
