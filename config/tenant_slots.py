"""Slots for a tenant's heavy tasks: at most N of them run at once, whatever the workers.

A tenant's slots are a sorted set in the shared Redis: one member per running task (its task
id), scored by when its lease ends. Taking a slot first drops expired leases, so a worker that
was killed mid-task holds its slot only until the lease ends (TENANT_HEAVY_TASK_LEASE_SECONDS),
and the same task delivered again (acks_late) takes its own slot back rather than a second one.
Both operations are one Lua script each: one round trip, atomic across every worker.
"""

from __future__ import annotations

import logging

from config.shared_redis import UNREACHABLE, LuaScript, key_prefix, redis_client

logger = logging.getLogger(__name__)

# KEYS[1]: the tenant's slots; ARGV: holder, limit, lease in ms. 1 when the holder has a slot.
_TAKE = LuaScript(
    """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1])
   or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease)
  return 1
end
return 0
"""
)


def slots_key(tenant: str) -> str:
    return f"{key_prefix()}:heavy-task-slots:{tenant}"


def take_slot(tenant: str, holder: str, *, limit: int, lease_seconds: int) -> bool:
    """True when `holder` may run now: it holds one of the tenant's `limit` slots (or already
    did). Also True when Redis is unreachable or not configured: background work carries on
    unlimited rather than stopping (a warning is logged)."""
    client = redis_client()
    if client is None:
        return True
    try:
        return bool(
            _TAKE(client, [slots_key(tenant)], [holder, max(1, limit), lease_seconds * 1000])
        )
    except UNREACHABLE as error:
        logger.warning("Heavy task %s runs without its tenant's limit: %s", holder, error)
        return True


def release_slot(tenant: str, holder: str) -> None:
    """Gives the holder's slot back (nothing when it had none or the lease ended)."""
    client = redis_client()
    if client is None:
        return
    try:
        client.zrem(slots_key(tenant), holder)
    except UNREACHABLE as error:  # the lease ends it in time
        logger.warning("Could not release heavy-task slot of %s: %s", holder, error)


def holders(tenant: str) -> list[str]:
    """The tasks holding the tenant's slots now, expired leases included (for tests and
    operators)."""
    client = redis_client()
    if client is None:
        return []
    members: list[bytes] = client.zrange(slots_key(tenant), 0, -1)  # type: ignore[assignment]
    return [member.decode() for member in members]
