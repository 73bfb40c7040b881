"""Provisioning as Celery tasks: one message per step, each queuing the next."""

import logging

from django.conf import settings

from config.celery import app
from provisioning import lifecycle_services, pipeline

log = logging.getLogger(__name__)


@app.task(bind=True, max_retries=settings.PROVISIONING_STEP_RETRIES, acks_late=True)
def run_provisioning_step(self, tenant_id: int, step: str) -> str | None:  # type: ignore[no-untyped-def]
    """Runs one step; on failure retries it with backoff, then leaves the tenant failed."""
    final = self.request.retries >= self.max_retries
    try:
        following = pipeline.run_step(tenant_id=tenant_id, name=step, final_attempt=final)
    except pipeline.StepFailed as failed:
        if final:
            log.error("provisioning of tenant %s failed: %s", tenant_id, failed)
            return None
        log.warning("provisioning of tenant %s: %s; retrying", tenant_id, failed)
        raise self.retry(countdown=pipeline.backoff_seconds(self.request.retries)) from failed
    if following:
        run_provisioning_step.delay(tenant_id, following)
    return following


@app.task
def run_archive_task(run_id: int) -> str:
    """Carries out one archive run (provisioning.lifecycle_services.run_archive); returns how
    it ended. Acknowledged on receipt: a run whose worker dies is retried from the console,
    never silently run twice."""
    return lifecycle_services.run_archive(run_id=run_id).status
