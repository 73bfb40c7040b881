"""Django's Redis cache backend, without building a Redis client for every cache call.

Django's RedisCacheClient makes a new `redis.Redis` on each get, set or delete (the connection
pool is shared; the client object is not), and a client's construction, its table of response
callbacks, costs about as much CPU as the round trip itself. A page reads the session and a
sign-in touches five counters, so the client is made once per server and reused; redis-py's
clients are safe to share between threads, and its pool reconnects after a fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    if TYPE_CHECKING:  # what Django's client has, and its type stubs leave out
        _client: Any

        def _get_connection_pool_index(self, write: bool) -> int: ...

        def _get_connection_pool(self, write: bool) -> Any: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
