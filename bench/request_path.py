"""Throughput of a trivial tenant view against the same view in plain Django, in one run.

    make bench-request-path      (or: .venv/bin/python bench/request_path.py)

Three gunicorns, configured as in production (platform/gunicorn.conf.py), serve the same two
views (bench/request_path_app.py): a trivial one, and one that makes a single query:

- plain: Django without django-tenants (no routing middleware, Django's own backend);
- stock: django-tenants' own TenantMainMiddleware and backend (a Domain query and a
  `SET search_path` per request);
- ours:  the project (tenants.routing answers from memory; config.database sends the
  search_path only when it changes).

Client processes send one request after another (bench/http_load.py) to one server at a time;
the sides take turns over several rounds and each figure is the median of its rounds, so drift
in the machine's load falls on all sides alike. The queries each request makes are counted in
process with Django's test client. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_environment, localstack
from bench.http_load import closed_loop
from bench.web import free_port, start_gunicorn

SIDES = ("plain", "stock", "ours")
VIEWS = {"trivial": "/bench/ping/", "one query": "/bench/query/"}
HOST = "bench-path.localhost"


def prepare(env: dict[str, str]) -> None:
    """Migrates the public schema and provisions the tenant the tenant sides serve."""
    localstack.manage(env, "migrate_schemas", "--shared", "-v", "0")
    script = """
from provisioning.services import provision_tenant
from tenants.services import register_tenant, transition_tenant
tenant = register_tenant(name="Bench Path", kind="province", subdomain="bench-path", actor="bench")
transition_tenant(tenant=tenant, to_state="approved", actor="bench")
provision_tenant(tenant=tenant, actor="bench")
"""
    localstack.manage(env, "shell", "--verbosity=0", "-c", script)


def start_server(env: dict[str, str], side: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server_env = dict(
        env,
        DJANGO_SETTINGS_MODULE="bench.request_path_app",
        REQUEST_PATH_SIDE=side,
        # The tenant's request budget (config.request_limits) stays in the path but is sized
        # never to answer 429: this measures the path, not a throttled flood.
        TENANT_REQUESTS_PER_SECOND="1000000",
        TENANT_REQUEST_BURST="1000000",
    )
    return start_gunicorn(server_env, port), port


def throughput(port: int, path: str, seconds: float) -> tuple[float, int]:
    """Requests per second answered 200 by the server on `port`, and how many were not."""
    samples = closed_loop(port, HOST, path, seconds)
    ok = sum(1 for sample in samples if sample.status == 200)
    return ok / seconds, len(samples) - ok


_COUNT_QUERIES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST={host!r})
out = {{}}
for name, path in {views!r}.items():
    client.get(path)
    sets_before = getattr(connection, "search_path_sets", None)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            assert client.get(path).status_code == 200
    sets = None if sets_before is None else (connection.search_path_sets - sets_before) / 10
    out[name] = {{"queries": len(queries.captured_queries) / 10, "search_path_sets": sets}}
print(json.dumps(out))
"""


def queries_per_request(env: dict[str, str], side: str) -> dict[str, dict[str, float | None]]:
    side_env = dict(env, DJANGO_SETTINGS_MODULE="bench.request_path_app", REQUEST_PATH_SIDE=side)
    script = _COUNT_QUERIES.format(host=HOST, views=VIEWS)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity=0", "-c", script],
        cwd=ROOT,
        env=side_env,
        check=True,
        capture_output=True,
        text=True,
    )
    counted: dict[str, dict[str, float | None]] = json.loads(done.stdout.strip().splitlines()[-1])
    return counted


def measure(env: dict[str, str], *, seconds: float = 5.0, rounds: int = 3) -> dict[str, object]:
    """Runs the comparison on a prepared database; returns the figures (the JSON line's)."""
    servers = {side: start_server(env, side) for side in SIDES}
    try:
        for side, (_, port) in servers.items():
            if localstack._wait_until_served(f"http://127.0.0.1:{port}/healthz", 60) is None:
                raise RuntimeError(f"the {side} server did not start")
        time.sleep(2)  # every worker booted
        rates: dict[tuple[str, str], list[float]] = {}
        errors = 0
        for _, port in servers.values():  # warm every worker of every side
            for path in VIEWS.values():
                throughput(port, path, 1.0)
        order = list(servers)
        for _ in range(rounds):
            order = order[1:] + order[:1]  # each side goes first in turn
            for view, path in VIEWS.items():
                for side in order:
                    rate, bad = throughput(servers[side][1], path, seconds)
                    rates.setdefault((side, view), []).append(rate)
                    errors += bad
    finally:
        for server, _ in servers.values():
            server.terminate()
        for server, _ in servers.values():
            server.wait(timeout=30)
    median = {key: statistics.median(values) for key, values in rates.items()}
    counted = {side: queries_per_request(env, side) for side in SIDES}
    return {
        "requests_per_second": {
            f"{side} {view}": round(median[(side, view)], 1) for side in SIDES for view in VIEWS
        },
        "tenant_plain_ratio": round(median[("ours", "trivial")] / median[("plain", "trivial")], 3),
        "tenant_plain_ratio_one_query": round(
            median[("ours", "one query")] / median[("plain", "one query")], 3
        ),
        "stock_plain_ratio": round(median[("stock", "trivial")] / median[("plain", "trivial")], 3),
        "stock_plain_ratio_one_query": round(
            median[("stock", "one query")] / median[("plain", "one query")], 3
        ),
        "queries_per_request": counted,
        "errors": errors,
        "seconds_per_round": seconds,
        "rounds": rounds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with bench_environment() as env:
        prepare(env)
        figures = measure(env, seconds=args.seconds, rounds=args.rounds)
    rates = figures["requests_per_second"]
    assert isinstance(rates, dict)
    counted = figures["queries_per_request"]
    assert isinstance(counted, dict)
    print(f"\nrequests/s, {os.cpu_count()} cores, gunicorn as in production, keep-alive clients")
    columns = ("plain Django", "stock tenants", "ours", "stock/plain", "ours/plain")
    print(f"{'view':12}" + "".join(f"{c:>15}" for c in columns))
    for view in VIEWS:
        plain, stock, ours = (rates[f"{side} {view}"] for side in SIDES)
        cells = [f"{plain:.0f}", f"{stock:.0f}", f"{ours:.0f}"]
        cells += [f"{stock / plain:.2f}", f"{ours / plain:.2f}"]
        print(f"{view:12}" + "".join(f"{c:>15}" for c in cells))
    print("\nqueries per request (and session-level SET search_path) in process:")
    for side in SIDES:
        shown = ", ".join(
            f"{view}: {c['queries']:.0f}"
            + ("" if c["search_path_sets"] is None else f" (+{c['search_path_sets']:.0f} SET)")
            for view, c in counted[side].items()
        )
        print(f"  {side:6} {shown}")
    print(json.dumps({"bench": "request_path", **figures}))
    return 0 if figures["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
