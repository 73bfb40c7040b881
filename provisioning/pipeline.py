"""The provisioning pipeline: the steps that turn an approved tenant into a running e-office.

Every step is idempotent: run again after a crash or a retry, it finds what an earlier run made
and adds only what is missing. A step runs only while its runner holds the tenant's advisory
lock, so a step recorded as running whose lock is free was interrupted (its worker died), and
two deliveries of the same task never run a tenant's steps side by side.

The tenant's host serves nobody until the last step marks it active, so a half-made tenant is
never reachable by its users.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from config import tenant_storage as storage
from eoffice.services.org_chart import ensure_tenant_admin, seed_org_chart
from provisioning.blueprint import create_schema_from_blueprint
from provisioning.invitation import invite_once
from provisioning.models import ProvisioningAttempt, ProvisioningStep
from tenants.lifecycle import SERVING_STATES, TransitionNotAllowed
from tenants.models import Tenant
from tenants.naming import is_schema_name_of
from tenants.selectors import application_of, entered_state_at
from tenants.services import (
    record_event,
    register_primary_domain,
    set_storage_prefix,
    transition_tenant,
)

SYSTEM = "provisioning"
# First key of the advisory lock pair: this pipeline's own lock space.
_LOCK_SPACE = 0x0E0F


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    run: Callable[[Tenant], str]  # does the work and says what it did
    after_activation: bool = False  # runs on an open e-office, which its failure leaves open

    def may_run(self, tenant: Tenant) -> bool:
        if self.after_activation:
            return tenant.state in SERVING_STATES
        return tenant.state == Tenant.State.PROVISIONING


def _create_schema(tenant: Tenant) -> str:
    if not is_schema_name_of(tenant.pk, tenant.schema_name):
        # Only a generated name is known to be this tenant's alone (see tenants.naming).
        raise ValueError(f"{tenant.schema_name} is not a schema name generated for this tenant.")
    created = create_schema_from_blueprint(tenant.schema_name)
    verb = "created from the template's blueprint" if created else "already existed"
    return f"Schema {tenant.schema_name} {verb}."


def _register_domain(tenant: Tenant) -> str:
    return f"{register_primary_domain(tenant=tenant).domain} now names this tenant."


def _seed_org_chart(tenant: Tenant) -> str:
    application = application_of(tenant)
    if application is None:
        return "No survey on record: nothing to seed."
    survey = application.survey
    with schema_context(tenant.schema_name):
        counts = seed_org_chart(
            offices=survey["offices"],
            posts=survey["posts"],
            officers=survey.get("officers", []),
            channels=survey.get("channels", []),
        )
    return f"Seeded {counts}."


def _create_storage(tenant: Tenant) -> str:
    prefix = storage.location_for(tenant.schema_name)
    storage.create_location(prefix, owner=tenant.name)
    set_storage_prefix(tenant=tenant, prefix=prefix)
    where = f"s3://{settings.S3_BUCKET}/{prefix}" if settings.S3_BUCKET else f"local {prefix}"
    return f"Files go to {where}."


def _create_admin(tenant: Tenant) -> str:
    application = application_of(tenant)
    if application is None:
        return "No application on record: no administrator to create."
    with schema_context(tenant.schema_name):
        admin = ensure_tenant_admin(
            email=application.contact_email, full_name=application.contact_name
        )
    return f"{admin.email} administers this e-office."


def _activate(tenant: Tenant) -> str:
    transition_tenant(tenant=tenant, to_state=Tenant.State.ACTIVE, actor=SYSTEM)
    return "The e-office is open to its users."


def _send_invitations(tenant: Tenant) -> str:
    """Invites the first administrator and every officer of the survey, each once (a re-run
    invites only whoever was not invited yet), skipping accounts that already have a password."""
    application = application_of(tenant)
    if application is None:
        return "No application on record: nobody to invite."
    invitees = {application.contact_email.lower(): True}
    for row in application.survey.get("officers", []):
        invitees.setdefault(row["email"].lower(), False)
    invited, earlier, with_password = [], 0, 0
    with schema_context(tenant.schema_name):
        for email, as_admin in invitees.items():
            user = User.objects.get(email=email)
            if user.has_usable_password():
                with_password += 1
            elif invite_once(tenant=tenant, user=user, as_admin=as_admin):
                invited.append(email)
            else:
                earlier += 1
    detail = f"Invited {', '.join(invited)}." if invited else "Nobody left to invite."
    if earlier:
        detail += f" {earlier} invited earlier."
    if with_password:
        detail += f" {with_password} already set a password."
    return detail


STEPS: tuple[Step, ...] = (
    Step("create_schema", "Create the database schema", _create_schema),
    Step("register_domain", "Register the address", _register_domain),
    Step("seed_org_chart", "Seed the org chart from the survey", _seed_org_chart),
    Step("create_storage", "Create the file storage location", _create_storage),
    Step("create_admin", "Create the first administrator", _create_admin),
    Step("activate", "Open the e-office to its users", _activate),
    # Only once the e-office is open, so the link in the invitation works when it arrives.
    Step("send_invitation", "Invite the administrator and the officers", _send_invitations, True),
)
STEP_BY_NAME = {step.name: step for step in STEPS}


class StepFailed(Exception):
    def __init__(self, step: Step, error: BaseException) -> None:
        self.step, self.error = step, error
        super().__init__(f"{step.label}: {error}")


def backoff_seconds(retries_so_far: int) -> float:
    """1, 2, 4 … seconds (capped at a minute), with jitter so retries do not march in step."""
    return min(60.0, 2.0**retries_so_far) * random.uniform(0.8, 1.2)  # noqa: S311 - not a secret


@contextmanager
def tenant_lock(tenant_id: int) -> Iterator[bool]:
    """Holds the tenant's pipeline lock for the block if nobody else does; yields whether held.

    A session lock, not a transaction lock: each step commits its progress as it goes, and the
    lock goes with the connection if the process dies.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, tenant_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, tenant_id])


def is_locked(tenant_id: int) -> bool:
    """Whether some process is running this tenant's pipeline right now.

    Read from pg_locks, never by taking the lock: a reader that held it for an instant (the
    console polls every second) would turn away a worker starting a step in that instant.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2)",
            [_LOCK_SPACE, tenant_id],
        )
        return bool(cursor.fetchone()[0])


class LockBusy(Exception):
    """Another process holds the tenant's pipeline lock: try the step again in a moment."""

    def __init__(self, tenant_id: int, step: str) -> None:
        self.tenant_id, self.step = tenant_id, step
        super().__init__(f"the pipeline lock of tenant {tenant_id} is held; {step} waits")


def contention_seconds() -> float:
    """How long a step that met the lock taken waits before trying again."""
    return random.uniform(0.2, 1.0)  # noqa: S311 - not a secret


@transaction.atomic
def plan_steps(*, tenant: Tenant) -> None:
    """Records the pipeline's steps for the tenant (once; existing records are kept)."""
    for position, step in enumerate(STEPS):
        ProvisioningStep.objects.get_or_create(
            tenant=tenant, name=step.name, defaults={"position": position}
        )


def first_unfinished(tenant: Tenant) -> str | None:
    step = (
        ProvisioningStep.objects.filter(tenant=tenant)
        .exclude(state=ProvisioningStep.State.SUCCEEDED)
        .order_by("position")
        .first()
    )
    return step.name if step else None


def _next_after(name: str) -> str | None:
    names = [step.name for step in STEPS]
    position = names.index(name)
    return names[position + 1] if position + 1 < len(names) else None


def run_step(*, tenant_id: int, name: str, final_attempt: bool) -> str | None:
    """Runs one step of a tenant in `provisioning` and returns the step to run next.

    Returns None when there is nothing (more) to do here: the pipeline is finished or the
    tenant is not provisioning. Raises LockBusy when another process holds the tenant's lock
    (the caller tries again later: returning would leave the run stalled with nothing queued),
    and StepFailed when the step failed; on the final attempt the tenant is marked
    "provisioning failed" first.
    """
    step = STEP_BY_NAME[name]
    with tenant_lock(tenant_id) as acquired:
        if not acquired:
            raise LockBusy(tenant_id, name)
        tenant = Tenant.objects.get(pk=tenant_id)
        if not step.may_run(tenant):
            return None
        record = ProvisioningStep.objects.get(tenant=tenant, name=name)
        if record.state == ProvisioningStep.State.SUCCEEDED:
            return _next_after(name)
        attempt = _begin(record)
        try:
            detail = step.run(tenant)
        except Exception as error:
            _fail(record, attempt, error, tenant=tenant, step=step, final=final_attempt)
            raise StepFailed(step, error) from error
        _succeed(record, attempt, detail)
        return _next_after(name)


def _begin(record: ProvisioningStep) -> ProvisioningAttempt:
    now = timezone.now()
    with transaction.atomic():
        # We hold the lock, so an attempt still "running" belongs to a process that died.
        ProvisioningAttempt.objects.filter(
            step=record, outcome=ProvisioningAttempt.Outcome.RUNNING
        ).update(outcome=ProvisioningAttempt.Outcome.INTERRUPTED, finished_at=now)
        record.attempts += 1
        record.state = ProvisioningStep.State.RUNNING
        record.started_at = record.started_at or now
        record.finished_at = None
        record.save(update_fields=["attempts", "state", "started_at", "finished_at"])
        return ProvisioningAttempt.objects.create(
            step=record, number=record.attempts, started_at=now
        )


def _succeed(record: ProvisioningStep, attempt: ProvisioningAttempt, detail: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        attempt.outcome, attempt.finished_at = ProvisioningAttempt.Outcome.SUCCEEDED, now
        attempt.save(update_fields=["outcome", "finished_at"])
        record.state, record.finished_at = ProvisioningStep.State.SUCCEEDED, now
        record.detail, record.error = detail[:300], ""
        record.save(update_fields=["state", "finished_at", "detail", "error"])


def _fail(
    record: ProvisioningStep,
    attempt: ProvisioningAttempt,
    error: BaseException,
    *,
    tenant: Tenant,
    step: Step,
    final: bool,
) -> None:
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        attempt.outcome, attempt.finished_at = ProvisioningAttempt.Outcome.FAILED, now
        attempt.error = message
        attempt.save(update_fields=["outcome", "finished_at", "error"])
        record.error, record.finished_at = message, now
        # Between automatic retries the step waits; after the last one it has failed.
        record.state = ProvisioningStep.State.FAILED if final else ProvisioningStep.State.PENDING
        record.save(update_fields=["error", "finished_at", "state"])
        reason = f"{step.label} failed after {record.attempts} attempts: {message}"
        if final and step.after_activation:
            record_event(tenant=tenant, actor=SYSTEM, reason=reason)
        elif final:
            transition_tenant(
                tenant=tenant,
                to_state=Tenant.State.PROVISIONING_FAILED,
                actor=SYSTEM,
                reason=reason,
            )


def is_stalled(tenant: Tenant) -> bool:
    """Whether a provisioning run has stopped without failing: no worker on it, and either a
    step left running by a lost worker or no progress for PROVISIONING_STALL_SECONDS."""
    if tenant.state != Tenant.State.PROVISIONING or is_locked(tenant.pk):
        return False
    steps = list(ProvisioningStep.objects.filter(tenant=tenant))
    if any(step.state == ProvisioningStep.State.RUNNING for step in steps):
        return True
    moments = [moment for step in steps for moment in (step.started_at, step.finished_at)]
    moments.append(entered_state_at(tenant, Tenant.State.PROVISIONING))
    last = max((moment for moment in moments if moment), default=None)
    stall = timedelta(seconds=settings.PROVISIONING_STALL_SECONDS)
    return last is None or timezone.now() - last > stall


def prepare_retry(*, tenant: Tenant, actor: str) -> str:
    """Puts a failed or stalled run back in `provisioning` and returns the step to resume from.

    Steps that succeeded stay done; the failed (or interrupted) step starts again.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        failed_late = ProvisioningStep.objects.filter(
            tenant=locked,
            state=ProvisioningStep.State.FAILED,
            name__in=[step.name for step in STEPS if step.after_activation],
        ).first()
        if locked.state in SERVING_STATES:
            if failed_late is None:
                raise TransitionNotAllowed(locked, Tenant.State.PROVISIONING)
            record_event(
                tenant=locked, actor=actor, reason=f"Retry: {STEP_BY_NAME[failed_late.name].label}"
            )
        elif locked.state == Tenant.State.PROVISIONING:
            if not is_stalled(locked):
                raise TransitionNotAllowed(locked, Tenant.State.PROVISIONING)
            record_event(tenant=locked, actor=actor, reason="Retry of a stalled run")
        else:
            transition_tenant(
                tenant=locked, to_state=Tenant.State.PROVISIONING, actor=actor, reason="Retry"
            )
        ProvisioningStep.objects.filter(tenant=locked).exclude(
            state=ProvisioningStep.State.SUCCEEDED
        ).update(state=ProvisioningStep.State.PENDING)
        tenant.refresh_from_db(fields=["state"])
        resume = first_unfinished(locked)
    if resume is None:  # every step is done but the last transition was lost
        resume = STEPS[-1].name
    return resume
