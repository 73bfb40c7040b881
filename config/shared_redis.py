"""The Redis server behind the default cache, for the few counters that need its own commands.

Per-tenant request budgets (config.request_limits) and heavy-task slots (config.tenant_slots)
must be shared by every web and worker process and changed atomically in one round trip, which
Django's cache API cannot do; they run a Lua script on the cache's own connection pool instead,
so no second pool or setting is needed. Without a Redis cache (the embedded default) there is
nothing shared to count in, and callers skip their limit.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import RedisError

# What a caller catches to fail open: the server down, slow, or refusing the command.
UNREACHABLE: tuple[type[BaseException], ...] = (RedisError, OSError)


def redis_client() -> Redis | None:
    """A client on the default cache's write pool, or None when the cache is not Redis."""
    cache = caches["default"]  # the backend itself: django.core.cache.cache is a proxy
    if not isinstance(cache, RedisCache):
        return None
    # Django's Redis backend offers no public accessor; django-stubs type this one. The
    # project's backend (config.redis_cache) hands back the one client it keeps per server.
    client: Redis = cache._cache.get_client(write=True)
    return client


def key_prefix() -> str:
    """The deployment's cache prefix (CACHE_KEY_PREFIX), so two deployments sharing one Redis
    never count in each other's keys."""
    return str(caches["default"].key_prefix or "eoffice")


class LuaScript:
    """A Lua script sent by its SHA (EVALSHA: one round trip), loaded again when the server
    has lost it (after a restart or SCRIPT FLUSH)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._script: Script | None = None

    def __call__(self, client: Redis, keys: list[str], args: list[Any]) -> Any:
        if self._script is None:
            self._script = client.register_script(self.source)
        return self._script(keys=keys, args=args, client=client)
