"""Which backups are kept: the newest of each of the last N days, weeks and months.

The rule is the grandfather-father-son one restic and borg call keep-daily / keep-weekly /
keep-monthly: walking a tenant's stored backups from the newest, the first backup of each
calendar day is kept until BACKUP_KEEP_DAILY days are covered, likewise for ISO weeks and
months; a backup kept by any of the three is kept. Days are counted in the platform's time
zone, the one the nightly schedule runs in. Two backups are kept whatever the rule says: the
newest stored one and the newest verified one (a restore of it was checked table by table), so
expiring can never leave a tenant without a backup known to restore.

Expiring deletes the stored object and keeps the row (state "expired"), with a tenant event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config import tenant_storage as storage
from provisioning.models import TenantBackup
from tenants.models import Tenant
from tenants.services import record_event

log = logging.getLogger(__name__)
B = TenantBackup.State


@dataclass(frozen=True)
class Rule:
    daily: int
    weekly: int
    monthly: int

    def __str__(self) -> str:
        return f"keep {self.daily} daily, {self.weekly} weekly, {self.monthly} monthly"


def configured_rule() -> Rule:
    return Rule(
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )


def kept_by_rule(made: Iterable[tuple[int, datetime]], rule: Rule) -> set[int]:
    """The ids among (id, made at) that the rule keeps (the two always kept aside)."""
    newest_first = sorted(made, key=lambda item: (item[1], item[0]), reverse=True)
    kept: set[int] = set()
    for count, bucket in (
        (rule.daily, lambda at: at.date()),
        (rule.weekly, lambda at: at.isocalendar()[:2]),
        (rule.monthly, lambda at: (at.year, at.month)),
    ):
        seen: set[object] = set()
        for backup_id, at in newest_first:
            if len(seen) >= count:
                break
            key = bucket(timezone.localtime(at))
            if key not in seen:
                seen.add(key)
                kept.add(backup_id)
    return kept


def expire_backups(*, tenant: Tenant, rule: Rule | None = None, actor: str = "system") -> list[int]:
    """Expires the tenant's stored backups the rule does not keep; returns their ids.

    Never expires the newest stored backup nor the newest verified one. Each expiry is one
    transaction: the row marked expired and the tenant event, then the object deleted, so a
    failed delete rolls both back and a row never says stored while its object is gone."""
    rule = rule or configured_rule()
    stored = list(
        TenantBackup.objects.filter(tenant=tenant, state=B.SUCCEEDED).order_by("-started_at", "-id")
    )
    if not stored:
        return []
    keep = kept_by_rule(((b.pk, b.started_at) for b in stored), rule)
    keep.add(stored[0].pk)
    verified = [b for b in stored if b.verified_at is not None]
    if verified:
        keep.add(verified[0].pk)
    expired = []
    for backup in stored:
        if backup.pk in keep:
            continue
        with transaction.atomic():
            updated = TenantBackup.objects.filter(pk=backup.pk, state=B.SUCCEEDED).update(
                state=B.EXPIRED, expired_at=timezone.now()
            )
            if not updated:  # another run expired it first
                continue
            record_event(
                tenant=tenant,
                actor=actor,
                reason=(
                    f"Backup {backup.storage_key} of {backup.started_at:%Y-%m-%d %H:%M} expired "
                    f"({rule}); its object was deleted, its record kept."
                ),
            )
            storage.delete_keys([backup.storage_key])
        expired.append(backup.pk)
    return expired
