"""What the report's cached aggregates are keyed by: a version of the figures read from the
database in one cheap query, so a cached sum is found only while nothing it was summed from
has changed.

The version moves when any month's figures are rebuilt (MonthlyFigures.updated_at, indexed),
when a tenant is added or changes state (a level counts only live tenants; every change of
state appends a TenantEvent) or when a new level rule comes into force. A tenant's name and
parent never change once registered. A write committed after a later one
(two roll-ups finishing out of order) may leave the version unmoved, so cached entries also
expire after CACHE_SECONDS: the report is never staler than that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")

CACHE_SECONDS = 300

_VERSION_SQL = """
SELECT (SELECT max(updated_at) FROM reports_monthlyfigures),
       (SELECT max(id) FROM tenants_tenantevent),
       (SELECT max(id) FROM reports_adoptionrule),
       (SELECT count(*) FROM tenants_tenant)
"""


def figures_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        updated, event, rule, tenants = cursor.fetchone()
    return f"{updated.isoformat() if updated else '-'}:{event or 0}:{rule or 0}:{tenants}"


def scope_key(tenant_ids: Collection[int] | None) -> str:
    """A short stable name of a scope: every tenant, or a set of tenant ids."""
    if tenant_ids is None:
        return "all"
    joined = ",".join(str(pk) for pk in sorted(set(tenant_ids)))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def cached_for(
    version: str, key: str, compute: Callable[[], T], *, seconds: int = CACHE_SECONDS
) -> T:
    """`compute()`'s result, kept under `key` while the version is `version` (and at most
    `seconds`)."""
    found = cache.get(key)
    if found is not None and found[0] == version:
        value: T = found[1]
        return value
    value = compute()
    cache.set(key, (version, value), seconds)
    return value
