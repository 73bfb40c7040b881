"""A request budget per tenant, so one tenant's flood (a script, a thousand searches) cannot
take the web workers from the others.

Each tenant has a token bucket in the shared Redis: it holds up to TENANT_REQUEST_BURST
requests and refills at TENANT_REQUESTS_PER_SECOND. A request that finds it empty is answered
429 with `Retry-After` (the seconds until a token is back) and a page saying why; it takes no
token, so a tenant slowing down is served again at once.

The default budget (100/s, burst 3,000) is sized so that a tenant working normally never meets
it: 1,000 officers of one tenant signing in at the same instant make about 3,000 requests
(sign-in page, form, first page), which the burst and its refill over the storm's 20-30 s cover
nearly twice; 300 officers each acting every 10 s make about 60 requests a second. Only a flood that
outlasts the burst meets it. Size it to the deployment: a 2-core machine serves about 75 working
pages a second in all, so there the CPU is the limit long before any one tenant's budget is.

Not counted: the control plane (its operators are few, and their screens must work while a
tenant is being throttled), static files (WhiteNoise answers them before this middleware in
production), and the health probes (config.health answers them before tenant routing).

When Redis is unreachable the limit fails open: pages keep being served, a warning is logged
once, and Redis is not asked again for FAIL_OPEN_SECONDS, so an outage costs at most one
socket timeout per process every few seconds rather than one per request.

Cost: one Redis round trip (one EVALSHA) per LOCAL_BATCH requests of a tenant in a process;
the requests between spend tokens already taken, under a lock, in microseconds. Measured
2026-12-02 on the shared 2-core development machine with Redis 7 on localhost, 20,000 calls
in-process (`REDIS_URL=… .venv/bin/python bench/request_limits.py`): with a round trip per
request it cost 0.12 ms per request at the median (a PING alone takes 0.04-0.09 ms there); with
the batch, 0.05 round trips and 0.018 ms per request, the same as with the limit off.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from config.shared_redis import UNREACHABLE, LuaScript, key_prefix, redis_client
from config.tenancy import request_tenant

logger = logging.getLogger(__name__)

# After a failed call, how long each process serves without asking Redis.
FAIL_OPEN_SECONDS = 5.0

# KEYS[1]: the tenant's bucket (a hash of tokens and the time they were counted).
# ARGV: refill rate per second, burst, tokens wanted. Returns {n, 0} when n tokens (1 to the
# number wanted) were taken, else {0, milliseconds until one is back}. The server's clock, so
# web processes on several machines agree on how much has refilled.
TOKEN_BUCKET = LuaScript(
    """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait_ms = 0
local taken = math.min(wanted, math.floor(tokens))
if taken >= 1 then
  tokens = tokens - taken
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if wait_ms > 0 then
  return {0, wait_ms}
end
return {taken, 0}
"""
)

_skip_until = 0.0
_last_noted: dict[str, float] = {}

# Each process takes tokens from the bucket a few at a time and spends them locally: one Redis
# round trip per LOCAL_BATCH requests of a tenant, not per request. A token taken and not spent
# within LOCAL_SECONDS is forgotten, so a process holds back at most LOCAL_BATCH - 1 of a
# tenant's tokens for at most that long: the budget is kept to within a few requests per
# process, and when the bucket runs low a process takes only what is left.
LOCAL_BATCH = 20
LOCAL_SECONDS = 1.0
_local: dict[str, tuple[int, float]] = {}  # schema -> (tokens in hand, valid until)
_local_lock = threading.Lock()


def forget_local_budget() -> None:
    """Drops the tokens this process holds (tests: another test's budget is not this one's)."""
    with _local_lock:
        _local.clear()


def _spend_local(schema_name: str, now: float) -> bool:
    with _local_lock:
        tokens, valid_until = _local.get(schema_name, (0, 0.0))
        if tokens < 1 or now >= valid_until:
            return False
        _local[schema_name] = (tokens - 1, valid_until)
        return True


def bucket_key(schema_name: str) -> str:
    return f"{key_prefix()}:tenant-requests:{schema_name}"


def seconds_to_wait(schema_name: str) -> int | None:
    """None when the tenant may be served now (a token taken, the limit off, or Redis
    unreachable); otherwise the whole seconds until it may try again (at least 1)."""
    global _skip_until
    rate = float(settings.TENANT_REQUESTS_PER_SECOND)
    now = time.monotonic()
    if rate <= 0 or now < _skip_until:
        return None
    if _spend_local(schema_name, now):
        return None
    client = redis_client()
    if client is None:
        return None
    try:
        taken, wait_ms = TOKEN_BUCKET(
            client,
            [bucket_key(schema_name)],
            [rate, max(1, settings.TENANT_REQUEST_BURST), LOCAL_BATCH],
        )
    except UNREACHABLE as error:
        _skip_until = time.monotonic() + FAIL_OPEN_SECONDS
        logger.warning(
            "Tenant request limits are off for %.0f s: Redis is unreachable (%s)",
            FAIL_OPEN_SECONDS,
            error,
        )
        return None
    if int(taken) >= 1:
        with _local_lock:
            _local[schema_name] = (int(taken) - 1, now + LOCAL_SECONDS)
        return None
    return max(1, math.ceil(int(wait_ms) / 1000))


def _note_throttled(schema_name: str) -> None:
    now = time.monotonic()
    if now - _last_noted.get(schema_name, -60.0) >= 60.0:
        _last_noted[schema_name] = now
        logger.warning("Tenant %s is over its request budget: answering 429", schema_name)


def too_many_requests(request: HttpRequest, tenant_name: str, retry_after: int) -> HttpResponse:
    """The 429 page, in the language the browser or the officer's cookie asks for (the
    language middleware has not run yet), drawn without the session or the database: a
    throttled tenant must cost as little as possible."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = render_to_string(
            "errors/too_many_requests.html",
            {"tenant_name": tenant_name, "retry_after": retry_after},
        )
    response = HttpResponse(body, status=429)
    # One warning a minute per tenant and process says a tenant is throttled; Django's own line
    # per 4xx would write one per request of the flood.
    response._has_been_logged = True  # type: ignore[attr-defined]
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class TenantRequestLimitMiddleware:
    """Answers 429 to a tenant's request when its budget is spent (see the module docstring).
    Sits right after tenant routing, before sessions: a throttled request reads nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = request_tenant(request)
        if tenant is not None and not request.path.startswith(self.static_prefix):
            retry_after = seconds_to_wait(tenant.schema_name)
            if retry_after is not None:
                _note_throttled(tenant.schema_name)
                return too_many_requests(request, tenant.name, retry_after)
        return self.get_response(request)
