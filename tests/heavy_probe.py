"""A heavy task for the fairness tests, imported by their worker (`celery worker -I`).

It records in Redis, under the test's own `run` prefix, its retry count, how many of its
tenant's probes were running when it started (never more than the tenant's slots, if they
work) and, when it ends, its label, so the test can read the order the worker ran them in.
"""

from __future__ import annotations

import time

from config.celery import app
from config.heavy_work import FairTask
from config.shared_redis import redis_client


class ProbeTask(FairTask):
    def is_heavy(self) -> bool:  # not in settings.HEAVY_TASKS: the test's own queue
        return True


@app.task(base=ProbeTask, bind=True, name="tests.heavy_probe.probe", acks_late=True)
def probe(
    self: ProbeTask, tenant_id: int, label: str, run: str, seconds: float = 0.4, fail: bool = False
) -> str:
    client = redis_client()
    assert client is not None, "the fairness tests need REDIS_URL"
    # Waiting for a slot is not a retry of the task's own: its count of those stays as it was.
    client.rpush(f"{run}:retries", self.request.retries)
    running = f"{run}:running:{tenant_id}"
    client.rpush(f"{run}:at-once:{tenant_id}", client.incr(running))
    try:
        time.sleep(seconds)
        if fail:
            raise RuntimeError(f"{label} fails on purpose")
        return label
    finally:
        client.decr(running)
        client.rpush(f"{run}:ran", label)
