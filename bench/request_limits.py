"""What the per-tenant request budget costs a request: time and Redis round trips.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/request_limits.py

Calls config.request_limits.TenantRequestLimitMiddleware N times in-process, with a view that
does nothing, three ways: the limit on (a budget too large to run out, so every call takes a
token), the limit off (TENANT_REQUESTS_PER_SECOND=0), and Redis unreachable (fails open).
Round trips are counted at redis-py's socket writes. Touches only its own key in Redis; needs
no database. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def measure(calls: int) -> dict[str, Any]:
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings
    from redis.connection import AbstractConnection, Connection

    from config import request_limits
    from config.shared_redis import redis_client

    sent = 0
    original_send = Connection.send_packed_command

    def counting_send(self: AbstractConnection, command: Any, check_health: Any = True) -> Any:
        nonlocal sent
        sent += 1
        return original_send(self, command, check_health)

    Connection.send_packed_command = counting_send  # type: ignore[method-assign]

    def ok(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    middleware = request_limits.TenantRequestLimitMiddleware(ok)
    request = RequestFactory().get("/files/", HTTP_HOST="bench.localhost")
    request.tenant = SimpleNamespace(schema_name="bench_request_limits", name="Bench")  # type: ignore[attr-defined]

    def run(label: str, **overrides: Any) -> dict[str, float]:
        nonlocal sent
        with override_settings(**overrides):
            request_limits._skip_until = 0.0
            middleware(request)  # the script loaded, the connection open
            sent = 0
            timings = []
            for _ in range(calls):
                started = time.perf_counter_ns()
                response = middleware(request)
                timings.append((time.perf_counter_ns() - started) / 1e6)
                assert response.status_code == 200, label
        timings.sort()
        return {
            "median_ms": round(statistics.median(timings), 4),
            "p99_ms": round(timings[int(len(timings) * 0.99)], 4),
            "round_trips_per_request": round(sent / calls, 3),
        }

    results = {
        "limit_on": run("on", TENANT_REQUESTS_PER_SECOND=1e9, TENANT_REQUEST_BURST=10**9),
        "limit_off": run("off", TENANT_REQUESTS_PER_SECOND=0),
        "redis_down": run(
            "down", CACHES=DEAD_REDIS, TENANT_REQUESTS_PER_SECOND=1e9, TENANT_REQUEST_BURST=10**9
        ),
    }
    Connection.send_packed_command = original_send  # type: ignore[method-assign]
    client = redis_client()
    if client is not None:
        client.delete(request_limits.bucket_key("bench_request_limits"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    options = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("Set REDIS_URL: the budget lives in Redis.", file=sys.stderr)
        return 2
    django.setup()
    results = measure(options.calls)
    print(f"{'':12} {'median ms':>10} {'p99 ms':>8} {'round trips':>12}")
    for name, figures in results.items():
        print(
            f"{name:12} {figures['median_ms']:>10.4f} {figures['p99_ms']:>8.4f}"
            f" {figures['round_trips_per_request']:>12.3f}"
        )
    print(json.dumps({"calls": options.calls, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
