"""Provisioning actions. Each step can be run again after a failure without duplicating anything."""

from django.db import transaction

from billing.models import Plan
from billing.services import assign_plan
from provisioning import pipeline
from tenants.models import Application, Partner, Tenant
from tenants.notifications import notify_applicant
from tenants.services import approve_application, transition_tenant


@transaction.atomic
def approve_and_provision(
    *, tenant: Tenant, partner: Partner, plan: Plan, actor: str, reason: str = ""
) -> Tenant:
    """Approves an application for a partner and a plan and starts its provisioning, in one
    transaction: either nothing happened, or the tenant is provisioning with its steps planned,
    and the pipeline's first task and the applicant's e-mail are queued as it commits.
    """
    approve_application(tenant=tenant, partner=partner, actor=actor, reason=reason.strip())
    assign_plan(tenant=tenant, plan=plan, actor=actor)
    start_provisioning(tenant=tenant, actor=actor)
    application = Application.objects.get(tenant=tenant)
    notify_applicant(application, "approved", plan=plan)  # sent by a worker after commit
    return tenant


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
