"""The adoption rule in force, and its history."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from reports.models import AdoptionRule


def default_rule() -> AdoptionRule:
    """The thresholds in force before any change was recorded (not saved)."""
    return AdoptionRule(
        effective_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        changed_by="system",
        reason="The thresholds the report started with.",
    )


def rule_in_force(at: datetime.datetime | None = None) -> AdoptionRule:
    """The version in force at `at` (now by default): the latest effective on or before it,
    the latest recorded on a tie; the default thresholds before any version."""
    found = (
        AdoptionRule.objects.filter(effective_at__lte=at or timezone.now())
        .order_by("-effective_at", "-id")
        .first()
    )
    return found or default_rule()


def rule_history() -> QuerySet[AdoptionRule]:
    """Every version, the latest effective first."""
    return AdoptionRule.objects.order_by("-effective_at", "-id")
