"""Heavy background work: its own queue, every worker reading it, and per-tenant slots that
keep one tenant's pile of heavy tasks from holding up another's."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from config.celery import app
from config.heavy_work import wait_seconds
from config.shared_redis import redis_client
from config.task_queues import heavy_queue
from config.tenant_slots import holders, release_slot, take_slot
from tests.conftest import needs_redis
from tests.worker import ROOT, start_worker, stop_worker, wait_for

pytestmark = pytest.mark.django_db


def queue_of(name: str) -> str:
    app.loader.import_default_modules()
    return str(app.amqp.router.route({}, name)["queue"].name)


@pytest.mark.parametrize("name", settings.HEAVY_TASKS)
def test_heavy_tasks_go_to_the_heavy_queue(name: str) -> None:
    assert queue_of(name) and name in app.tasks  # a renamed task would silently go light
    assert queue_of(name) == f"{settings.CELERY_TASK_DEFAULT_QUEUE}-heavy"


@pytest.mark.parametrize(
    "name",
    [
        "config.mail.deliver_email",
        "provisioning.tasks.run_provisioning_step",
        "provisioning.tasks.apply_billing_holds",
        "billing.tasks.collection.collect_invoice",
    ],
)
def test_light_tasks_stay_in_the_default_queue(name: str) -> None:
    assert queue_of(name) == settings.CELERY_TASK_DEFAULT_QUEUE


def test_the_heavy_queue_follows_a_worker_of_its_own() -> None:
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = "own-queue"
    try:
        assert queue_of("reports.tasks.roll_up") == "own-queue-heavy"
    finally:
        app.conf.task_default_queue = previous
    routed = app.amqp.router.route({"queue": "chosen"}, "reports.tasks.roll_up")
    assert routed["queue"].name == "chosen"  # an explicit queue wins


def test_every_worker_consumes_the_heavy_queue() -> None:
    # A worker started without -Q reads CELERY_TASK_QUEUES: both queues.
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == [
        settings.CELERY_TASK_DEFAULT_QUEUE,
        heavy_queue(settings.CELERY_TASK_DEFAULT_QUEUE),
    ]
    commands = {
        "platform/Procfile": next(
            line
            for line in (ROOT / "platform/Procfile").read_text().splitlines()
            if line.startswith("worker:")
        ),
        "platform/localstack.py": (ROOT / "platform/localstack.py").read_text(),
    }
    for where, command in commands.items():
        chosen = re.findall(r"(?:-Q|--queues)[ =]\S+", command)
        assert all("-heavy" in option for option in chosen), f"{where} skips the heavy queue"
    for where in ("tests/worker.py", "bench/end_to_end.py"):
        for option in re.findall(r"--queues=[^\"]+", (ROOT / where).read_text()):
            assert "heavy" in option, f"{where} skips the heavy queue"


def test_no_two_queues_share_a_binding() -> None:
    # Celery binds a queue that names no exchange to the default exchange and routing key: two
    # such queues would both receive every task sent to either.
    bindings = {
        (app.amqp.queues[queue.name].exchange.name, app.amqp.queues[queue.name].routing_key)
        for queue in settings.CELERY_TASK_QUEUES
    }
    assert bindings == {(queue.name, queue.name) for queue in settings.CELERY_TASK_QUEUES}


@needs_redis
def test_a_tenant_has_only_its_slots() -> None:
    assert take_slot("tenant-1", "first", limit=2, lease_seconds=60)
    assert take_slot("tenant-1", "second", limit=2, lease_seconds=60)
    assert not take_slot("tenant-1", "third", limit=2, lease_seconds=60)
    assert take_slot("tenant-2", "other", limit=2, lease_seconds=60)  # another tenant's own
    # The same task delivered again (its worker died) takes back its own slot.
    assert take_slot("tenant-1", "first", limit=2, lease_seconds=60)
    release_slot("tenant-1", "first")
    assert take_slot("tenant-1", "third", limit=2, lease_seconds=60)
    assert sorted(holders("tenant-1")) == ["second", "third"]


@needs_redis
def test_a_lost_workers_slot_is_free_when_its_lease_ends() -> None:
    assert take_slot("tenant-3", "killed", limit=1, lease_seconds=1)
    assert not take_slot("tenant-3", "next", limit=1, lease_seconds=1)
    time.sleep(1.1)
    assert take_slot("tenant-3", "next", limit=1, lease_seconds=1)
    assert holders("tenant-3") == ["next"]


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_heavy_work_carries_on_without_redis(caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(CACHES=DEAD_REDIS):
        assert take_slot("tenant-4", "any", limit=1, lease_seconds=60)
        release_slot("tenant-4", "any")
    assert "without its tenant's limit" in caplog.text


@override_settings(TENANT_HEAVY_TASK_RETRY_SECONDS=2.0)
def test_a_task_waits_longer_each_time_up_to_a_minute() -> None:
    assert 1.0 <= wait_seconds(0) <= 2.0
    assert 4.0 <= wait_seconds(2) <= 8.0
    assert 30.0 <= wait_seconds(20) <= 60.0


A, B = 990_001, 990_002


@needs_redis
def test_one_tenants_heavy_pile_does_not_hold_up_another_tenant(tmp_path: Path) -> None:
    """Tenant A queues six heavy tasks (the first fails), then tenant B one, on a worker with
    two pool processes and one slot per tenant. B's runs before A's last; A never has two
    running; every A task runs (those turned away are queued again, not dropped); and the
    failed one gave its slot back (else the others would wait for its 15-minute lease)."""
    queue = f"fairness-{tmp_path.name}"
    run = f"heavy-probe:{tmp_path.name}"
    log = tmp_path / "worker.log"
    worker = start_worker(
        log,
        queue=queue,
        pool="prefork",
        extra_args=["--concurrency=2", "--include=tests.heavy_probe"],
        env={"TENANT_HEAVY_TASKS_AT_ONCE": "1", "TENANT_HEAVY_TASK_RETRY_SECONDS": "0.2"},
    )
    try:
        from tests.heavy_probe import probe

        for number in range(6):
            probe.apply_async(
                args=[A, f"a{number}", run], kwargs={"fail": number == 0}, queue=heavy_queue(queue)
            )
        probe.apply_async(args=[B, "b0", run], queue=heavy_queue(queue))
        client = redis_client()
        assert client is not None

        def all_ran() -> list[str] | None:
            ran = [label.decode() for label in client.lrange(f"{run}:ran", 0, -1)]
            return ran if len(ran) >= 7 else None

        ran = wait_for(all_ran, timeout=120, what="seven heavy probes", log=log)
    finally:
        stop_worker(worker)

    assert sorted(ran) == ["a0", "a1", "a2", "a3", "a4", "a5", "b0"]
    assert ran.index("b0") < max(ran.index(f"a{number}") for number in range(6))
    at_once = [int(value) for value in client.lrange(f"{run}:at-once:{A}", 0, -1)]
    assert at_once == [1] * 6
    assert set(client.lrange(f"{run}:retries", 0, -1)) == {b"0"}
    output = log.read_text()
    assert "retry: tenant-990001 has its 1 heavy-task slot(s) taken; queued again" in output
    assert "a0 fails on purpose" in output
    assert holders(f"tenant-{A}") == []
