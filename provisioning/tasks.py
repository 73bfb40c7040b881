"""Provisioning as Celery tasks: one message per step, each queuing the next."""

import logging

from celery import Task
from django.conf import settings

from config.celery import app
from provisioning import pipeline

log = logging.getLogger(__name__)


@app.task(bind=True, max_retries=settings.PROVISIONING_STEP_RETRIES, acks_late=True)
def run_provisioning_step(self: Task, tenant_id: int, step: str) -> str | None:
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
