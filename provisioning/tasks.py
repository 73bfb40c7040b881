"""Provisioning as Celery tasks: one message per step, each queuing the next."""

import logging

from celery import Task
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from config.celery import app
from provisioning import lifecycle_services, pipeline
from provisioning.backup_retention import expire_backups
from provisioning.backups import back_up_tenant, restore_backup
from provisioning.models import TenantBackup
from tenants.lifecycle import SERVING_STATES
from tenants.models import Tenant

log = logging.getLogger(__name__)


@app.task(bind=True, max_retries=None, acks_late=True)
def run_provisioning_step(
    self: Task, tenant_id: int, step: str, failures: int = 0, waits: int = 0
) -> str | None:
    """Runs one step; on failure retries it with backoff (PROVISIONING_STEP_RETRIES times), then
    leaves the tenant failed. A step that finds the tenant's lock taken tries again shortly,
    without counting it as a failure, for up to PROVISIONING_STALL_SECONDS: after that the lock's
    holder is either still running the pipeline (and queues what follows itself) or was lost,
    and then the console shows the run as stalled, with Retry."""
    final = failures >= settings.PROVISIONING_STEP_RETRIES
    try:
        following = pipeline.run_step(tenant_id=tenant_id, name=step, final_attempt=final)
    except pipeline.LockBusy as busy:
        if waits * 0.6 >= settings.PROVISIONING_STALL_SECONDS:  # 0.6 s: the mean wait
            log.error("provisioning of tenant %s: gave up waiting: %s", tenant_id, busy)
            return None
        raise self.retry(
            args=(tenant_id, step),
            kwargs={"failures": failures, "waits": waits + 1},
            countdown=pipeline.contention_seconds(),
        ) from busy
    except pipeline.StepFailed as failed:
        if final:
            log.error("provisioning of tenant %s failed: %s", tenant_id, failed)
            return None
        log.warning("provisioning of tenant %s: %s; retrying", tenant_id, failed)
        raise self.retry(
            args=(tenant_id, step),
            kwargs={"failures": failures + 1, "waits": waits},
            countdown=pipeline.backoff_seconds(failures),
        ) from failed
    if following:
        run_provisioning_step.delay(tenant_id, following)
    return following


@app.task(acks_late=False)
def run_archive_task(run_id: int) -> str:
    """Carries out one archive run (provisioning.lifecycle_services.run_archive); returns how
    it ended. Acknowledged on receipt (unlike the other tasks): a run whose worker dies shows
    as interrupted and is retried from the console, never silently run twice."""
    return lifecycle_services.run_archive(run_id=run_id).status


@app.task(acks_late=True)
def apply_billing_holds() -> dict[str, int]:
    """Places a billing hold (read-only, "Unpaid invoice INV-…") on each tenant whose invoice's
    grace ended unpaid, and lifts those whose invoice is paid, voided or its grace extended
    (billing.selectors.dunning decides which). Runs every minute and is queued by name after a
    payment, so a payment makes the e-office writable within a minute. Idempotent: a hold is
    placed and lifted once; one tenant that fails is logged and left to the next run."""
    with schema_context(get_public_schema_name()):  # whatever schema the caller left set
        return _apply_billing_holds()


def _apply_billing_holds() -> dict[str, int]:
    from billing.selectors.dunning import billing_holds_due, billing_holds_to_lift
    from tenants.models import Tenant

    done = {"placed": 0, "lifted": 0, "failed": 0}
    # Placed first: a hold moving to a re-issued invoice's number never opens the schema.
    for change in billing_holds_due():
        try:
            tenant = Tenant.objects.get(pk=change.tenant_id)
            if lifecycle_services.place_billing_hold(
                tenant=tenant, reference=change.reference, reason=change.reason
            ):
                done["placed"] += 1
        except Exception:  # one tenant must not hold up the others; the next run retries it
            log.exception(
                "could not place billing hold %s on tenant %s", change.reference, change.tenant_id
            )
            done["failed"] += 1
    for change in billing_holds_to_lift():
        try:
            tenant = Tenant.objects.get(pk=change.tenant_id)
            if lifecycle_services.lift_billing_hold(
                tenant=tenant, reference=change.reference, actor="system", reason=change.reason
            ):
                done["lifted"] += 1
        except Exception:  # as above
            log.exception(
                "could not lift billing hold %s of tenant %s", change.reference, change.tenant_id
            )
            done["failed"] += 1
    return done


@app.task(acks_late=True)
def back_up_serving_tenants() -> int:
    """Nightly: queues one backup per serving (active or suspended) tenant; returns how many."""

    with schema_context(get_public_schema_name()):
        day = timezone.localdate().isoformat()
        ids = list(
            Tenant.objects.filter(state__in=SERVING_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    for tenant_id in ids:
        back_up_tenant_task.delay(tenant_id, day)
    return len(ids)


@app.task(acks_late=True)
def back_up_tenant_task(tenant_id: int, day: str) -> str:
    """Backs one tenant up for `day`, then applies the retention rule to its backups.

    Idempotent per day: a redelivered message finds the day's stored backup and only applies
    retention (which is idempotent itself)."""

    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.get(pk=tenant_id)
        done = TenantBackup.objects.filter(
            tenant=tenant, state=TenantBackup.State.SUCCEEDED, started_at__date=day
        ).exists()
        state = "already" if done else back_up_tenant(tenant=tenant, actor="system").state
        expire_backups(tenant=tenant)
        return state


@app.task(acks_late=False)
def drill_newest_backups() -> int:
    """Weekly: restores each serving tenant's newest stored backup into a scratch schema,
    verifies it and rolls it back (a drill), so the backup retention keeps is known to restore.
    Acknowledged on receipt: a drill cut short leaves nothing and the next week's runs again."""

    drilled = 0
    with schema_context(get_public_schema_name()):
        newest = (
            TenantBackup.objects.filter(
                state=TenantBackup.State.SUCCEEDED, tenant__state__in=SERVING_STATES
            )
            .order_by("tenant_id", "-started_at", "-id")
            .distinct("tenant_id")
        )
        for backup in list(newest):
            result = restore_backup(backup=backup, actor="system", drill=True)
            if result.state != result.State.VERIFIED:
                log.error("restore drill of backup %s failed: %s", backup.pk, result.error)
            drilled += 1
    return drilled
