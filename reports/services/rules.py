"""Changing the adoption rule: a new version, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.models import AdoptionRule, ReportEvent
from reports.selectors.rules import rule_in_force

THRESHOLDS = (
    "level1_trained_share",
    "level2_active_share",
    "level3_electronic_share",
    "level4_letters_electronic_share",
    "level4_max_pending_days",
)


def _thresholds(rule: AdoptionRule) -> dict[str, int]:
    return {name: getattr(rule, name) for name in THRESHOLDS}


@transaction.atomic
def change_rule(
    *,
    actor: str,
    reason: str,
    level1_trained_share: int,
    level2_active_share: int,
    level3_electronic_share: int,
    level4_letters_electronic_share: int,
    level4_max_pending_days: int,
    effective_at: datetime.datetime | None = None,
    ip_address: str | None = None,
) -> AdoptionRule:
    """Records a new version of the thresholds, in force from `effective_at` (now by
    default), and audits it (`rule_changed`, with the thresholds before and after).

    Refuses (ValidationError) a reason left empty, a share outside 0–100 and pending days
    other than the measured 7 or 30.
    """
    if not reason.strip():
        raise ValidationError("A change of the rule says why.")
    before = rule_in_force(effective_at)
    rule = AdoptionRule(
        effective_at=effective_at or timezone.now(),
        level1_trained_share=level1_trained_share,
        level2_active_share=level2_active_share,
        level3_electronic_share=level3_electronic_share,
        level4_letters_electronic_share=level4_letters_electronic_share,
        level4_max_pending_days=level4_max_pending_days,
        changed_by=actor,
        reason=reason.strip(),
    )
    rule.full_clean()
    rule.save()
    ReportEvent.objects.create(
        actor=actor,
        action="rule_changed",
        ip_address=ip_address,
        detail={
            "rule": rule.pk,
            "effective_at": rule.effective_at.isoformat(),
            "before": _thresholds(before),
            "after": _thresholds(rule),
            "reason": rule.reason,
        },
    )
    return rule
