"""A real Celery worker process for tests, on the configured broker and the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from config.task_queues import heavy_queue

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The DATABASE_URL of the database pytest-django created (test_<name>)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{db['NAME']}"


def start_worker(
    log_path: Path,
    *,
    queue: str | None = None,
    env: dict[str, str] | None = None,
    pool: str = "solo",
    extra_args: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """Starts `celery worker` on the test database; `queue` gives it a queue of its own (with
    its heavy queue, config.heavy_work). `pool` and `extra_args` go to `celery worker`."""
    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    env = dict(
        os.environ,
        DATABASE_URL=test_database_url(),
        DATABASE_CONN_MAX_AGE="0",
        CELERY_QUEUE=queue,
        **(env or {}),
    )
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                f"--queues={queue},{heavy_queue(queue)}",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str, log: Path) -> T:
    """Polls `probe` until it returns something; fails with the worker's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result is not None:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}. Worker log:\n{log.read_text()[-4000:]}")
