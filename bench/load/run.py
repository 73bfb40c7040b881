"""A province's morning against the production process model: the nine o'clock storm, a
working day compressed, and the capacity per core.

    make bench-load          (or: .venv/bin/python -m bench.load.run [--quick] [flags])

Makes a database of its own (`eoffice_bench_load` on DATABASE_URL's server or the embedded
one) and starts Redis (REDIS_URL, or a redis-server of its own), PgBouncer in transaction pooling
mode before PostgreSQL, gunicorn as platform/gunicorn.conf.py runs it with a worker per core,
a Celery worker and beat; the web and worker processes connect through PgBouncer
(DATABASE_POOL_MODE=transaction), the data is loaded with COPY on the direct connection.
Makes 10 tenants of 100 officers, each a department of 200 posts with its work loaded by
bench/eoffice_data.py, then runs, as Locust crowds in a child process:

  spread   1,000 officers signing in at Poisson arrivals over one minute
  burst    all 1,000 at one instant
  work     each officer, one action every 10-30 s, in turn: opens the inbox, opens a file,
           writes and saves a note, forwards the file, registers a receipt, searches the
           register (10 minutes)
  steps    the working crowd stepped up (250, 500, 1,000, 1,500 … officers, short steps):
           the most served with every action's p95 under 500 ms, per core

and prints logins/s, p50/p95/p99 per action, errors, forced logouts (a signed-in session
answered with the sign-in page or a 403), 5xx, and CPU and memory per process type, then one
JSON line. The crowd runs on the same cores as the server: its CPU is in the table.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import ROOT, bench_environment, localstack
from bench.load import data, hashes, sampling, scenarios, stack
from bench.load.stack import say

sys.path.insert(0, str(ROOT / "platform"))
from pgbouncer_local import running_pgbouncer  # platform/ is a folder of scripts

HOME_AFTER = "home after sign-in"  # bench/load/crowd.py's action
TARGET_P95 = 0.5  # seconds, every action, for the capacity figure
DEFAULT_STEPS = "250,500,1000,1500,2000"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--officers", type=int, default=100, help="per tenant")
    parser.add_argument(
        "--data-scale",
        type=float,
        default=0.1,
        help="each tenant's work as a share of bench/eoffice_data.py's (default 0.1: 10,000 "
        "receipts, 5,000 files, 25,000 movements and 25,000 notes)",
    )
    parser.add_argument("--spread-seconds", type=float, default=60.0)
    parser.add_argument("--work-minutes", type=float, default=10.0)
    parser.add_argument("--work-ramp", type=float, default=60.0, help="seconds to sign in")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(10.0, 30.0), metavar=("MIN", "MAX")
    )
    parser.add_argument("--steps", default=DEFAULT_STEPS, help="officers per capacity step")
    parser.add_argument("--step-seconds", type=float, default=90.0, help="measured, per step")
    parser.add_argument("--step-ramp", type=float, default=30.0)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["spread", "burst", "work", "steps", "path"]
    )
    parser.add_argument("--database-name", default="eoffice_bench_load")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="web and worker connect to PostgreSQL directly, not through PgBouncer (to compare)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a development run: 2 tenants of 20 officers, 20 s storm, 1-minute day, two steps",
    )
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.officers, args.data_scale = 2, 20, 0.1
        args.spread_seconds, args.work_minutes, args.work_ramp = 20.0, 1.0, 15.0
        args.steps, args.step_seconds, args.step_ramp = "20,40", 30.0, 10.0
        args.skip = [*args.skip, "path"]
    return args


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def watch_services(
    sampler: sampling.Sampler, direct_url: str, pooled_url: str | None, redis_url: str
) -> None:
    """PostgreSQL's backends of the run's database, its PgBouncer and its Redis."""
    import urllib.parse

    sampler.watch("postgres", sampling.matching("postgres", f" {stack.database_name(direct_url)} "))
    pool_port = str(urllib.parse.urlsplit(pooled_url or "").port)

    def pgbouncer() -> list[Any]:
        found = []
        for process in sampling.matching("pgbouncer")():
            with contextlib.suppress(Exception):
                ini = next(a for a in process.cmdline() if a.endswith(".ini"))
                if f"listen_port = {pool_port}" in Path(ini).read_text():
                    found.append(process)
        return found

    if pooled_url:
        sampler.watch("pgbouncer", pgbouncer)
    redis_port = str(urllib.parse.urlsplit(redis_url).port or 6379)
    sampler.watch("redis", sampling.matching("redis-server", f":{redis_port}"))


def main() -> int:
    args = arguments()
    rng = random.Random(2026)
    cores = stack.cores()
    figures: dict[str, Any] = {}
    with bench_environment(args.database_name) as env, stack.redis(env) as redis_url:
        env["REDIS_URL"] = redis_url
        env["CELERY_QUEUE"] = os.environ.get("CELERY_QUEUE") or "eoffice-bench-load"
        say(f"Measuring the machine's Argon2id hash rate on {cores} cores")
        rate, rate_source = hashes.hashes_per_second()
        say(f"  {rate:.0f} hashes/s ({rate_source})")
        say("Preparing: public schema, template schema and its blueprint")
        localstack.manage(env, "migrate_tenants", "-v", "0")
        setup_django(env)
        say(f"Making {args.tenants} tenants of {args.officers} officers")
        started = time.perf_counter()
        crowds = data.prepare(
            env["DATABASE_URL"],
            tenants=args.tenants,
            officers=args.officers,
            fraction=args.data_scale,
            say=lambda line: print(line, flush=True),
        )
        figures["data_seconds"] = round(time.perf_counter() - started, 1)
        data.save(crowds, stack.LOGS / "crowd.json")
        total = sum(len(c.officers) for c in crowds)

        with contextlib.ExitStack() as pooler:
            pooled = (
                None
                if args.direct
                else pooler.enter_context(running_pgbouncer(env["DATABASE_URL"]))
            )
            app_env = stack.app_environment(env, pooled, redis_url)
            with stack.application(app_env) as app:
                sampler = sampling.Sampler()
                for kind, process in app.processes.items():
                    sampler.watch(kind, sampling.tree(process.pid))
                watch_services(sampler, env["DATABASE_URL"], pooled, redis_url)
                sampler.start()
                try:
                    figures.update(phases(args, app.base, crowds, total, sampler, rng))
                finally:
                    sampler.stop()
                alive = app.alive()
        if "path" not in args.skip:
            figures["tenant_plain_ratio"] = tenant_plain_ratio(f"{args.database_name}_path")
    figures["database_path"] = "direct" if args.direct else "pgbouncer (transaction pooling)"
    return report(args, figures, sampler, cores, total, rate, rate_source, alive)


def phases(
    args: argparse.Namespace,
    base: str,
    crowds: list[data.TenantCrowd],
    total: int,
    sampler: sampling.Sampler,
    rng: random.Random,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "spread" not in args.skip:
        say(f"Storm, spread: {total} officers at Poisson arrivals over {args.spread_seconds:.0f} s")
        arrivals = scenarios.poisson_arrivals(total, args.spread_seconds, rng)
        people = scenarios.officers(crowds, arrivals)
        out["spread"] = scenarios.run_crowd(
            scenarios.plan(base, "spread", people, ramp=args.spread_seconds), sampler, "spread"
        )
    if "burst" not in args.skip:
        say(f"Storm, burst: {total} officers at one instant")
        people = scenarios.officers(crowds, [0.0] * total)
        out["burst"] = scenarios.run_crowd(scenarios.plan(base, "burst", people), sampler, "burst")
    if "work" not in args.skip:
        say(
            f"Working day: {total} officers every {args.think[0]:.0f}-{args.think[1]:.0f} s for "
            f"{args.work_minutes:g} min (after {args.work_ramp:.0f} s signing in)"
        )
        arrivals = [rng.uniform(0, args.work_ramp) for _ in range(total)]
        people = scenarios.officers(crowds, arrivals)
        work_plan = scenarios.plan(
            base,
            "work",
            people,
            ramp=args.work_ramp,
            seconds=args.work_minutes * 60,
            think=list(args.think),
        )
        out["work"] = scenarios.run_crowd(work_plan, sampler, "work")
    if "steps" not in args.skip:
        out["steps"] = capacity_steps(args, base, crowds, total, sampler, rng)
    return out


def capacity_steps(
    args: argparse.Namespace,
    base: str,
    crowds: list[data.TenantCrowd],
    total: int,
    sampler: sampling.Sampler,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """The working crowd stepped up until an action's p95 passes TARGET_P95. Beyond the
    officers there are, a step of N is the real officers thinking total/N times as long
    (the same requests per second, one browser each)."""
    steps = []
    for wanted in (int(s) for s in args.steps.split(",")):
        users = min(wanted, total)
        stretch = users / wanted
        think = [args.think[0] * stretch, args.think[1] * stretch]
        say(f"Capacity step: {wanted} officers ({users} browsers, {think[0]:.1f}-{think[1]:.1f} s)")
        arrivals = [rng.uniform(0, args.step_ramp) for _ in range(users)]
        people = scenarios.officers(crowds, arrivals)
        result = scenarios.run_crowd(
            scenarios.plan(
                base, "work", people, ramp=args.step_ramp, seconds=args.step_seconds, think=think
            ),
            sampler,
            f"step {wanted}",
        )
        by_action = scenarios.action_figures(result)
        p95s = {a: by_action.get(a, {}).get("p95") for a in scenarios.WORK_ACTIONS}
        passed = (
            all(v is not None and v < TARGET_P95 for v in p95s.values())
            and result["server_errors"] == 0
            and result["forced_logouts"] == 0
        )
        steps.append(
            {
                "officers": wanted,
                "passed": passed,
                "p95_seconds": p95s,
                "server_errors": result["server_errors"],
                "forced_logouts": result["forced_logouts"],
                "errors": sum(result["errors"].values()),
            }
        )
        say(
            f"  {'passed' if passed else 'failed'}: "
            + ", ".join(f"{a} {v * 1000:.0f} ms" if v else f"{a} -" for a, v in p95s.items())
        )
        if not passed:
            break
    return steps


def tenant_plain_ratio(database_name: str) -> float | None:
    """CALL SITE of bench/request_path.py (the micro-benchmark of a trivial tenant view against
    the same view in plain Django), run in a database of its own once the stack has stopped;
    None where that module is not present."""
    try:
        request_path: Any = importlib.import_module("bench.request_path")
    except ImportError:
        return None
    say("Request path: a trivial tenant view against plain Django (bench/request_path.py)")
    with bench_environment(database_name) as env:
        request_path.prepare(env)
        figures = request_path.measure(env)
    return float(figures["tenant_plain_ratio"])


def _ms(value: float | None) -> str:
    return f"{value * 1000:8.0f}" if value is not None else f"{'-':>8}"


def report(
    args: argparse.Namespace,
    figures: dict[str, Any],
    sampler: sampling.Sampler,
    cores: int,
    total: int,
    rate: float,
    rate_source: str,
    alive: dict[str, bool],
) -> int:
    lines = [
        "",
        f"A province's morning: {args.tenants} tenants x {args.officers} officers, "
        f"{cores} cores, gunicorn as in production; database: {figures['database_path']}",
    ]
    spread, burst, work = figures.get("spread"), figures.get("burst"), figures.get("work")
    out: dict[str, Any] = {
        "bench": "load",
        "officers": total,
        "cores": cores,
        "database_path": figures["database_path"],
    }
    completed = errors = forced = server = 0
    for label, result in (("spread", spread), ("burst", burst)):
        if result is None:
            continue
        seconds = [s for _, s in result["sign_ins"]]
        last = max((t for t, _ in result["sign_ins"]), default=0.0)
        rate_in = len(seconds) / last if last else 0.0
        completed += len(seconds)
        errors += result["login_errors"]
        lines.append(
            f"  storm {label:7} signed in {len(seconds)}/{total}, errors {result['login_errors']},"
            f" p50 {_ms(scenarios.percentile(seconds, 0.5))} ms, p95"
            f" {_ms(scenarios.percentile(seconds, 0.95))} ms, p99"
            f" {_ms(scenarios.percentile(seconds, 0.99))} ms; last in after {last:.1f} s"
            f" ({rate_in:.1f} logins/s); the page after it p95"
            f" {_ms(scenarios.percentile(result['actions'].get(HOME_AFTER, []), 0.95))} ms"
        )
        out[f"{label}_logins_per_second"] = round(rate_in, 2)
        if label == "spread":
            out["spread_login_p95_seconds"] = scenarios.percentile(seconds, 0.95)
        else:
            out["burst_logins_seconds"] = round(last, 2)
            out["hash_rate_share"] = round(rate_in / rate, 3) if rate else None
    lines.append(f"  machine's Argon2id hash rate: {rate:.0f}/s on {cores} cores ({rate_source})")
    for result in (spread, burst, work):
        if result:
            forced += result["forced_logouts"]
            server += result["server_errors"]
    out.update(logins_completed=completed, login_errors=errors, hashes_per_second=round(rate, 1))
    if work:
        lines.append(
            f"\n  working day ({args.work_minutes:g} min after the sign-in ramp):"
            f" action{'':9}count  errors   p50 ms   p95 ms   p99 ms"
        )
        by_action = scenarios.action_figures(work)
        for name, f in by_action.items():
            lines.append(
                f"    {name:22}{f['count']:8}{f['errors']:8} {_ms(f['p50'])} {_ms(f['p95'])}"
                f" {_ms(f['p99'])}"
            )
        lines.append(
            f"    notes acknowledged {len(work['acknowledged'])}, not shown back"
            f" {work['notes_not_shown']}; refused while signed in (403) {work['refused']};"
            f" statuses {dict(work['status_counts'])}"
        )
        out["p95_seconds"] = {a: by_action.get(a, {}).get("p95") for a in scenarios.WORK_ACTIONS}
        out["work_errors"] = {a: f["errors"] for a, f in by_action.items() if f["errors"]}
        samples = work["error_samples"][:5]
        if samples:
            lines.append("    first errors: " + " | ".join(samples))
    steps = figures.get("steps") or []
    if steps:
        lines.append("\n  capacity steps (every action's p95 under 500 ms):")
        for step in steps:
            worst = max((v for v in step["p95_seconds"].values() if v is not None), default=None)
            lines.append(
                f"    {step['officers']:6} officers  {'pass' if step['passed'] else 'FAIL'}"
                f"  worst p95 {_ms(worst)} ms  5xx {step['server_errors']}"
                f"  forced logouts {step['forced_logouts']}  errors {step['errors']}"
            )
        best = max((s["officers"] for s in steps if s["passed"]), default=0)
        out["officers_per_core"] = round(best / cores, 1)
        out["capacity_steps"] = steps
        for step in steps:
            forced += step["forced_logouts"]
            server += step["server_errors"]
    else:
        out["officers_per_core"] = None
    lines.append("\n  CPU (% of one core, mean over the phase) and peak memory per process type:")
    lines += sampling.table(sampler.phases, cores)
    if not all(alive.values()):
        dead = [kind for kind, up in alive.items() if not up]
        lines.append(f"  processes that died during the run: {dead}")
    out.update(forced_logouts=forced, server_errors=server)
    out["tenant_plain_ratio"] = figures.get("tenant_plain_ratio")
    lines.append(
        f"\n  tenant/plain throughput ratio (bench/request_path.py): {out['tenant_plain_ratio']}"
    )
    out["resources"] = sampling.as_json(sampler.phases)
    out["data_seconds"] = figures.get("data_seconds")
    print("\n".join(lines), flush=True)
    print(json.dumps(out), flush=True)
    return 0 if errors == 0 and forced == 0 and server == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
