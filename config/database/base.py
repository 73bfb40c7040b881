"""django-tenants' PostgreSQL backend, cheaper per request and safe behind PgBouncer.

Stock django-tenants forgets the applied search_path whenever a tenant is set (every request sets
one), so each request pays a `SET search_path` round trip, and it empties the ContentType cache
each time. Here:

- **Direct connections** (and session pooling): `SET search_path` is sent only when the path a
  query needs differs from the one last applied on this connection. A rollback forgets the
  applied path (PostgreSQL undoes a SET made in the rolled-back transaction), as stock does.
- **Transaction pooling** (`TRANSACTION_POOLING` in the database settings, from
  DATABASE_POOL_MODE=transaction): a session-level SET would stay behind on a server connection
  that PgBouncer then hands to another tenant's request. Nothing is set per session; instead the
  first statement of every transaction carries `SET LOCAL search_path = …;` in the same
  round trip. A statement outside a transaction block is its own transaction, so it always
  carries it: PostgreSQL runs the statements of one simple-protocol message as one implicit
  transaction, and SET LOCAL lasts exactly that long. Django's psycopg cursors bind parameters
  on the client, so the two statements travel as one message.
- The ContentType cache is emptied when the connection moves to another schema (whose content
  type ids may differ), not when the same schema is set again.

Server-side cursors cannot outlive a pooled transaction, so they are disabled in that mode
(config.settings).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from django.contrib.contenttypes.models import ContentType
from django_tenants.postgresql_backend import base as tenant_base
from django_tenants.utils import quote_schema_name
from psycopg.pq import TransactionStatus

_IDLE = TransactionStatus.IDLE
_SEARCH_PATHS: dict[tuple[str | None, bool], str] = {}


class PooledCursor(tenant_base.original_backend.Cursor):
    """A client-binding cursor that prefixes statements with the tenant's SET LOCAL.

    `path_for` returns the SET LOCAL to send before this statement, or "" when the open
    transaction already has it. The SET's own (empty) result is skipped, so Django reads the
    statement's result as usual.
    """

    path_for: Any = None
    set_local: Any = None

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        prefix = self.path_for(self.connection.info.transaction_status) if self.path_for else ""
        if not prefix:
            return super().execute(query, params, **kwargs)
        if isinstance(query, bytes):
            query = query.decode()
        elif not isinstance(query, str):
            query = query.as_string(self.connection)
        result = super().execute(prefix + query, params, **kwargs)
        self.nextset()
        return result

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        if not self.path_for:
            return super().executemany(query, params_seq, **kwargs)
        # Several statements: one transaction of their own unless one is already open.
        with self.connection.transaction():
            super().execute(self.set_local())
            super().executemany(query, params_seq, **kwargs)
        return None

    @contextlib.contextmanager
    def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> Iterator[Any]:
        if not self.set_local:
            with super().copy(statement, params, **kwargs) as copy:
                yield copy
            return
        # COPY is sent on its own, so it cannot carry the prefix: a transaction around it can.
        with self.connection.transaction():
            super().execute(self.set_local())
            with super().copy(statement, params, **kwargs) as copy:
                yield copy


class DatabaseWrapper(tenant_base.DatabaseWrapper):
    # Set by django-tenants' wrapper; here the applied path is the quoted, joined string.
    search_path_set_schemas: str | None
    _setting_search_path: bool
    schema_name: str | None
    include_public_schema: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The search path the open transaction has (transaction pooling).
        self._transaction_path: str | None = None
        # Session-level SETs sent on this connection: what the request-path benchmark and the
        # tests count (a SET goes to the raw cursor, so Django's query log never shows it).
        self.search_path_sets = 0
        self._after_commit: dict[str, Callable[[], None]] = {}
        super().__init__(*args, **kwargs)
        self.transaction_pooling = bool(self.settings_dict.get("TRANSACTION_POOLING"))

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        if tenant.schema_name != self.schema_name:
            # Content type ids may differ between schemas, and a cached one is served without
            # a query: it must not outlive the schema it was read in.
            ContentType.objects.clear_cache()
        self.tenant = tenant
        self.schema_name = tenant.schema_name
        self.include_public_schema = include_public
        self.set_settings_schema(self.schema_name)
        if tenant_base.EXTRA_SET_TENANT_METHOD:
            tenant_base.EXTRA_SET_TENANT_METHOD(self, tenant)
        # Unlike stock: the applied search_path stays known, so the next query sends a SET
        # only if it needs another path (see _handle_search_path).

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if self.transaction_pooling:
            connection.cursor_factory = self._pooled_cursor_factory()
        return connection

    def _pooled_cursor_factory(self) -> type[PooledCursor]:
        wrapper = self

        class _Cursor(PooledCursor):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.path_for = wrapper._local_path_for
                self.set_local = wrapper._set_local

        return _Cursor

    def _search_path(self) -> str:
        key = (self.schema_name, self.include_public_schema)
        path = _SEARCH_PATHS.get(key)
        if path is None:  # validated and quoted once per schema, not before every query
            path = ",".join(quote_schema_name(s) for s in self._get_cursor_search_paths())
            _SEARCH_PATHS[key] = path
        return path

    def _set_local(self) -> str:
        wanted = self._search_path()
        self._transaction_path = None  # the transaction opened around it ends with the statement
        return f"SET LOCAL search_path = {wanted}"

    def _local_path_for(self, status: TransactionStatus) -> str:
        wanted = self._search_path()
        if status == _IDLE:  # this statement begins a transaction (explicit or implicit)
            self._transaction_path = wanted if not self.connection.autocommit else None
            return f"SET LOCAL search_path = {wanted}; "
        if self._transaction_path == wanted:
            return ""
        self._transaction_path = wanted
        return f"SET LOCAL search_path = {wanted}; "

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self.transaction_pooling or self._setting_search_path:
            return
        if not self.schema_name:
            tenant_base.DatabaseWrapper._handle_search_path(self, cursor)  # raises its error
            return
        wanted = self._search_path()
        if self.search_path_set_schemas == wanted:
            return
        self._setting_search_path = True
        target = self.connection.cursor() if cursor is None else cursor
        try:
            target.execute(f"SET search_path = {wanted}")
        except psycopg.Error:
            # In an aborted transaction the SET fails too; the query that follows reports it.
            self.search_path_set_schemas = None
        else:
            self.search_path_set_schemas = wanted
            self.search_path_sets += 1
        finally:
            self._setting_search_path = False
            if cursor is None:
                target.close()

    def after_commit_once(self, key: str, hook: Callable[[], None]) -> None:
        """Runs `hook` once after the open transaction commits, however often it is asked for.

        For cache invalidation (tenants.routing): unlike transaction.on_commit, asking many
        times in one transaction queues it once, and it is no callback a test has to count.
        """
        self._after_commit[key] = hook

    def rollback(self) -> None:
        self._transaction_path = None
        self._after_commit.clear()
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self._transaction_path = None  # a SET LOCAL after the savepoint is undone too

    def _commit(self) -> None:
        self._transaction_path = None
        super()._commit()
        hooks, self._after_commit = self._after_commit, {}
        for hook in hooks.values():
            hook()

    def close(self) -> None:
        self._transaction_path = None
        super().close()
