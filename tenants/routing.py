"""Which tenant a host serves, answered from memory on almost every request.

Stock django-tenants reads the Domain table on every request; at a trivial view that halves a
web worker's throughput. Here each process keeps the answers it has read, valid for one
*generation* of the routing data: a counter in the shared cache that every change to a tenant
or a domain moves on (a save, a delete, a queryset update: `RoutedQuerySet`, the signals below).
A process reads the counter at most once every GENERATION_CHECK_SECONDS, so another process's
change is seen within that interval, and a change in this process at once. Answers missing in
memory come from the shared cache (stored under their generation, so a stale one is never read)
before the database.

If the shared cache is unreachable, answers older than FALLBACK_SECONDS are read again from the
database, and the cache is not asked again for FALLBACK_SECONDS: an outage costs a query now
and then, never a timeout per request.

Whether a request may write is enforced in the tenant's schema (eoffice.write_modes), never by
the state of a cached tenant: routing that lags a suspension by a second cannot let a write in.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

GENERATION_CHECK_SECONDS = 1.0
FALLBACK_SECONDS = 5.0
SHARED_TTL_SECONDS = 3600
_GENERATION_KEY = "tenant-routing:generation"
_UNKNOWN = "unknown"  # a host that serves no tenant is remembered too: scanners ask for many


@dataclass
class _Entry:
    generation: int | None
    read_at: float
    tenant: Any  # Tenant | None; Any because tenants.models imports this module


class _ProcessRoutes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, _Entry] = {}
        self.generation: int | None = None
        self.checked_at = float("-inf")
        self.cache_down_until = float("-inf")


_routes = _ProcessRoutes()


def _shared() -> Any:
    return caches["platform"]


def _cache_usable(now: float) -> bool:
    return now >= _routes.cache_down_until


def _cache_failed(now: float) -> None:
    logger.warning("Shared cache unreachable; tenant routing reads the database for a while.")
    _routes.cache_down_until = now + FALLBACK_SECONDS


def current_generation(now: float) -> int | None:
    """The routing data's generation as this process knows it; None if the cache is down."""
    if now - _routes.checked_at < GENERATION_CHECK_SECONDS:
        return _routes.generation
    generation: int | None = None
    if _cache_usable(now):
        try:
            generation = _shared().get_or_set(
                _GENERATION_KEY, lambda: int(time.time() * 1000), timeout=None
            )
        except Exception:
            _cache_failed(now)
    with _routes.lock:
        if generation != _routes.generation:
            _routes.entries.clear()
        _routes.generation = generation
        _routes.checked_at = now
    return generation


def tenant_for_host(hostname: str, *, read: Any) -> Any:
    """The tenant serving `hostname` (a private copy the request may change), or None.

    `read(hostname)` is the database lookup, called only when neither this process nor the
    shared cache has an answer of the current generation.
    """
    now = time.monotonic()
    generation = current_generation(now)
    entry = _routes.entries.get(hostname)
    fresh = entry is not None and entry.generation == generation
    if fresh and (generation is not None or now - entry.read_at < FALLBACK_SECONDS):  # type: ignore[union-attr]
        return _private_copy(entry.tenant) if entry.tenant is not None else None  # type: ignore[union-attr]
    tenant = _from_shared(generation, hostname, now)
    if tenant is None:
        tenant = read(hostname)
        _to_shared(generation, hostname, tenant, now)
    elif tenant == _UNKNOWN:
        tenant = None
    with _routes.lock:
        _routes.entries[hostname] = _Entry(generation, now, tenant)
    return _private_copy(tenant) if tenant is not None else None


def _private_copy(tenant: Any) -> Any:
    """What copy.copy gives (its own field values and model state, no shared related-object
    cache), without the pickling protocol copy.copy takes a model through: a third of the
    tenant routing's time on a trivial page."""
    clone = tenant.__class__.__new__(tenant.__class__)
    clone.__dict__.update(tenant.__dict__)
    clone._state = copy.copy(tenant._state)
    clone._state.fields_cache = dict(tenant._state.fields_cache)
    return clone


def _shared_key(generation: int, hostname: str) -> str:
    return f"tenant-routing:{generation}:{hostname}"


def _from_shared(generation: int | None, hostname: str, now: float) -> Any:
    if generation is None or not _cache_usable(now):
        return None
    try:
        return _shared().get(_shared_key(generation, hostname))
    except Exception:
        _cache_failed(now)
        return None


def _to_shared(generation: int | None, hostname: str, tenant: Any, now: float) -> None:
    if generation is None or not _cache_usable(now):
        return
    try:
        value = _UNKNOWN if tenant is None else tenant
        _shared().set(_shared_key(generation, hostname), value, SHARED_TTL_SECONDS)
    except Exception:
        _cache_failed(now)


def routing_changed() -> None:
    """Moves the generation on, here and (through the shared cache) in every process.

    Called when the change is made and again when its transaction commits: the first keeps
    this process (and a test inside a rolled-back transaction) from serving the old answer, the
    second keeps another process from keeping an answer it read before the commit.
    """
    _bump()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return  # already committed
    if hasattr(connection, "after_commit_once"):  # config.database's wrapper
        connection.after_commit_once("tenant-routing", _bump)
    else:
        transaction.on_commit(_bump)


def _bump() -> None:
    now = time.monotonic()
    with _routes.lock:
        _routes.entries.clear()
        _routes.checked_at = float("-inf")
    if not _cache_usable(now):
        return
    try:
        shared = _shared()
        try:
            shared.incr(_GENERATION_KEY)
        except ValueError:  # not there yet (a flushed cache): any new value is a new generation
            shared.set(_GENERATION_KEY, int(time.time() * 1000), timeout=None)
    except Exception:
        _cache_failed(now)


def forget_process_routes() -> None:
    """Empties this process's answers (tests: a rolled-back change left no trace in the DB)."""
    with _routes.lock:
        _routes.entries.clear()
        _routes.generation = None
        _routes.checked_at = float("-inf")
        _routes.cache_down_until = float("-inf")


class RoutedQuerySet(models.QuerySet[Any]):
    """A queryset of a model routing depends on: bulk updates and deletes move the generation."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        routing_changed()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        result = super().delete()
        routing_changed()
        return result


def _on_change(sender: type[models.Model], **kwargs: Any) -> None:
    routing_changed()


def watch(model: type[models.Model]) -> None:
    """Moves the generation on whenever a row of `model` is saved or deleted."""
    uid = f"tenant-routing-{model._meta.label_lower}"
    post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}-save")
    post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")
