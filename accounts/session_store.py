"""Sessions kept in the schema's database table, with the cache only as an accelerator."""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache
from django.utils.crypto import get_random_string

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    """Django's cached_db store that keeps working while the cache is down or empty.

    The database row is the truth: a flushed or restarted Redis only costs a cache miss, and an
    unreachable Redis costs a logged error, never a 500 or a signed-out officer.

    A sign-in writes its session once: Django's cycle_key inserts the new row at once and the
    response then updates it with what the sign-in stored; here the new key waits for the
    response's save, which inserts the row with everything in it. A new key is not looked up
    first either: the insert itself refuses a key in use, and then another key is drawn.
    """

    _create_on_save = False

    if TYPE_CHECKING:  # what Django's cached_db store has, and its type stubs leave out
        _cache: BaseCache

        def _get_session_from_db(self) -> AbstractBaseSession | None: ...

        @property
        def _session(self) -> dict[str, Any]: ...

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self) -> None:
        data = self._session
        old_key = self.session_key
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._create_on_save = True
        self.modified = True
        if old_key:
            self.delete(old_key)

    def save(self, must_create: bool = False) -> None:
        if self._create_on_save:
            self._create_on_save = False
            try:
                super().save(must_create=True)
            except CreateError:
                self.create()  # the key was taken (one in 10^49): draw others until one is free
            return
        super().save(must_create)

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
