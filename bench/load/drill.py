"""A task for the fault drill only (the worker of bench/load/faults.py loads it with
--include): it records each run, sleeps long enough to be killed mid-task, then writes its
effect keyed by its argument, as the platform's tasks write theirs (idempotently)."""

from __future__ import annotations

import time

from django.db import connection

from config.celery import app

TABLE = "public.bench_fault_drill"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, runs int NOT NULL,"
            " effects int NOT NULL DEFAULT 0)"
        )


@app.task(name="bench.load.drill.slow_effect", acks_late=True)
def slow_effect(key: str, seconds: float = 6.0) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (key, runs) VALUES (%s, 1)"  # noqa: S608 - a constant table
            " ON CONFLICT (key) DO UPDATE SET runs = bench_fault_drill.runs + 1",
            [key],
        )
    time.sleep(seconds)
    with connection.cursor() as cursor:
        # The effect happens once however often the task runs: it is keyed and applied once.
        cursor.execute(
            f"UPDATE {TABLE} SET effects = 1 WHERE key = %s AND effects = 0",  # noqa: S608
            [key],
        )
