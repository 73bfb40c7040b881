"""Sessions kept in the schema's database table, with the cache only as an accelerator."""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    """Django's cached_db store that keeps working while the cache is down or empty.

    The database row is the truth: a flushed or restarted Redis only costs a cache miss, and an
    unreachable Redis costs a logged error, never a 500 or a signed-out officer.
    """

    if TYPE_CHECKING:  # what Django's cached_db store has, and its type stubs leave out
        _cache: BaseCache

        def _get_session_from_db(self) -> AbstractBaseSession | None: ...

    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Session cache unreachable; reading the session from the database.")
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("Session cache unreachable; session not cached.")
        return data

    def exists(self, session_key: str) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Session cache unreachable; checking the database.")
        return super(CachedDBStore, self).exists(session_key)

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        # DB first: a session must be gone even if the cache cannot be told.
        super(CachedDBStore, self).delete(session_key)
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception:
            logger.error("Session cache unreachable; a deleted session may linger in the cache.")
