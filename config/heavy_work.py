"""Heavy background work: a queue of its own, and a limit per tenant on how much runs at once.

A task named in settings.HEAVY_TASKS (a roll-up, a usage collection, an archive: work that
reads a whole schema) is routed to the heavy queue, `<CELERY_QUEUE>-heavy`, so a burst of it
never sits in front of the light tasks (mail, billing holds, provisioning steps) in the default
queue; every worker consumes both (settings.CELERY_TASK_QUEUES), and Celery takes from them in
turn. A heavy task that names a tenant (a `tenant_id` argument, or a tenant schema it was queued
in) runs only when it gets one of that tenant's TENANT_HEAVY_TASKS_AT_ONCE slots
(config.tenant_slots); otherwise it is queued again for later, with a countdown that doubles
on each wait (TENANT_HEAVY_TASK_RETRY_SECONDS, at most a minute), so one tenant's thousand
tasks leave the other worker slots to the other tenants rather than filling them. A task
queued again keeps its id and its retry count (an OperationalError still gets its five
retries); its slot is given back however it ends.
"""

from __future__ import annotations

import inspect
import random
from typing import Any

from celery.exceptions import Retry
from django.conf import settings
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask

from config.task_queues import heavy_queue
from config.tenant_slots import release_slot, take_slot

# The longest a task waits for its tenant's slot before trying again.
MAX_WAIT_SECONDS = 60.0
WAITS_HEADER = "tenant_slot_waits"


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any
) -> dict[str, str] | None:
    """Celery router (CELERY_TASK_ROUTES): heavy tasks go to the heavy queue of the app's
    default queue as it is now, so a test that gives its worker a queue of its own gets the
    heavy tasks too. An explicit `queue=` still wins."""
    if name not in settings.HEAVY_TASKS:
        return None
    from config.celery import app

    return {"queue": heavy_queue(app.conf.task_default_queue)}


def tenant_of(task: Any, args: Any, kwargs: Any) -> str | None:
    """Whose slots a task takes: its `tenant_id` argument, else the tenant schema it was queued
    in (tenant-schemas-celery's header), else no one's (platform-wide work is not limited)."""
    try:
        tenant_id = (
            inspect.signature(task.run).bind_partial(*args, **kwargs).arguments.get("tenant_id")
        )
    except TypeError:
        tenant_id = None
    if tenant_id is not None:
        return f"tenant-{int(tenant_id)}"
    schema = _header(task.request, "_schema_name")
    if schema and schema != get_public_schema_name():
        return f"schema-{schema}"
    return None


def _header(request: Any, name: str) -> Any:
    # The Redis transport merges a message's headers into the request itself.
    headers = getattr(request, "headers", None) or {}
    return headers.get(name, getattr(request, name, None))


def wait_seconds(waits: int) -> float:
    """How long the `waits`-th wait lasts: doubling from TENANT_HEAVY_TASK_RETRY_SECONDS up to
    a minute, with jitter so tasks turned away together do not come back together."""
    base = float(settings.TENANT_HEAVY_TASK_RETRY_SECONDS)
    return min(MAX_WAIT_SECONDS, base * 2 ** min(waits, 16)) * random.uniform(0.5, 1.0)  # noqa: S311


class FairTask(TenantTask):
    """The app's task class (settings: config.celery): tenant-schemas-celery's, plus the
    per-tenant slots of heavy tasks run by a worker."""

    abstract = True

    def is_heavy(self) -> bool:
        return self.name in settings.HEAVY_TASKS

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.called_directly:  # a plain function call: no worker, no queue, no limit
            return super().__call__(*args, **kwargs)
        # From here the worker (or apply()) has pushed the request: run, not __call__, keeps it.
        tenant = None if request.is_eager or not self.is_heavy() else tenant_of(self, args, kwargs)
        if tenant is None:
            return self.run(*args, **kwargs)
        holder = str(request.id)
        if not take_slot(
            tenant,
            holder,
            limit=settings.TENANT_HEAVY_TASKS_AT_ONCE,
            lease_seconds=settings.TENANT_HEAVY_TASK_LEASE_SECONDS,
        ):
            raise self._wait_for_slot(tenant)
        try:
            return self.run(*args, **kwargs)
        finally:
            release_slot(tenant, holder)

    def _wait_for_slot(self, tenant: str) -> Retry:
        """Queues this task again, unchanged but for a countdown, and returns the Retry that
        tells the worker so (the message in hand is then acknowledged, never lost: the copy
        is already queued)."""
        request = self.request
        waits = int(_header(request, WAITS_HEADER) or 0)
        countdown = wait_seconds(waits)
        again = self.signature_from_request(
            request, countdown=countdown, headers={WAITS_HEADER: waits + 1}
        )
        again.apply_async()
        message = (
            f"{tenant} has its {settings.TENANT_HEAVY_TASKS_AT_ONCE} heavy-task slot(s) taken;"
            f" queued again to run in {countdown:.1f} s"
        )
        return Retry(message, when=countdown, sig=again)
