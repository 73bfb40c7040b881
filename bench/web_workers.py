"""How gunicorn's workers share a steady load while they recycle: the old settings and ours.

    make bench-web-workers      (or: .venv/bin/python bench/web_workers.py)

Both sides serve bench/request_path_app.py's page (a query and about 5 ms of CPU, answering
with the worker's pid) under the same closed-loop load (bench/http_load.py: clients that send
one request after another) for --seconds, with workers recycled every --max-requests so that a
short run sees several restarts (production recycles after 20,000):

- before: keep-alive 5 s, up to 1,000 connections per worker, no preloading, a 10 % jitter,
  Python's garbage collector as it comes (what platform/gunicorn.conf.py said until issue 12);
- ours: platform/gunicorn.conf.py as it is (no keep-alive behind the load balancer, a worker
  takes a connection only with a thread free, the app preloaded, a jitter as large as the limit,
  the loaded heap frozen).

It prints throughput, latency (p50, p99, max), the seconds in which fewer than half the median
requests were answered (stalls), and how unevenly the workers shared the requests (the busiest
worker's share of each second, over a fair share, averaged). Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, localstack
from bench.http_load import Sample, closed_loop
from bench.request_path import HOST, prepare, start_server


def side_env(side: str, max_requests: int) -> dict[str, str]:
    if side == "before":
        return {
            "WEB_KEEPALIVE": "5",
            "WEB_WORKER_CONNECTIONS": "1000",
            "WEB_PRELOAD": "false",
            "WEB_MAX_REQUESTS": str(max_requests),
            "WEB_MAX_REQUESTS_JITTER": str(max_requests // 10),
            "WEB_GC_THRESHOLD": "700",  # Python's own, the heap not frozen
            "WEB_GC_FREEZE": "false",
        }
    return {"WEB_MAX_REQUESTS": str(max_requests)}


def summarise(samples: list[Sample], workers: int) -> dict[str, float]:
    ok = sorted(s.seconds for s in samples if s.status == 200)
    first = min(s.started for s in samples)
    per_second: dict[int, collections.Counter[bytes]] = collections.defaultdict(collections.Counter)
    for sample in samples:
        if sample.status == 200:
            per_second[int(sample.started - first)][sample.body] += 1
    seconds = sorted(per_second)[1:-1] or sorted(per_second)  # whole seconds only
    totals = [sum(per_second[s].values()) for s in seconds]
    median_rate = statistics.median(totals)
    unevenness = [
        max(per_second[s].values()) / (sum(per_second[s].values()) / workers) for s in seconds
    ]
    return {
        "requests_per_second": round(len(ok) / (max(s.started for s in samples) - first), 1),
        "p50_ms": round(statistics.median(ok) * 1000, 1),
        "p99_ms": round(ok[int(len(ok) * 0.99) - 1] * 1000, 1),
        "max_ms": round(ok[-1] * 1000, 1),
        "errors": sum(1 for s in samples if s.status != 200),
        "stall_seconds": sum(1 for total in totals if total < median_rate / 2),
        "busiest_worker_share": round(statistics.mean(unevenness), 2),
        "workers_seen": len({s.body for s in samples if s.status == 200}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--max-requests", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=16, help="client connections")
    args = parser.parse_args()
    workers = os.cpu_count() or 2
    results: dict[str, dict[str, float]] = {}
    with bench_environment() as env:
        prepare(env)
        for side in ("before", "ours"):
            server, port = start_server(dict(env, **side_env(side, args.max_requests)), "ours")
            try:
                if localstack._wait_until_served(f"http://127.0.0.1:{port}/healthz", 60) is None:
                    raise RuntimeError(f"the {side} server did not start")
                time.sleep(2)
                samples = closed_loop(
                    port, HOST, "/bench/page/", args.seconds, processes=2, threads=args.clients // 2
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
            results[side] = summarise(samples, workers)
    print(
        f"\n{workers} workers recycled every {args.max_requests} requests, {args.clients} clients, "
        f"{args.seconds:.0f} s"
    )
    print(f"{'':26}{'before':>12}{'ours':>12}")
    for key in results["ours"]:
        print(f"{key:26}{results['before'][key]:>12}{results['ours'][key]:>12}")
    print(json.dumps({"bench": "web_workers", **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
