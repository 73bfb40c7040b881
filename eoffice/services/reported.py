"""The platform's published figures for this tenant, as the control plane's task writes them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from eoffice.models import ReportedMonth


def record_reported_month(
    *, month: datetime.date, figures: dict[str, Any], level: int | None, level_rule: str
) -> ReportedMonth:
    """Writes (or replaces) the month's published figures in the current tenant schema. Accepted
    while the e-office is suspended (eoffice.write_modes.SUSPENDED_WRITES)."""
    if month.day != 1:
        raise ValueError(f"{month} is not the first of a month.")
    with transaction.atomic():
        row, _ = ReportedMonth.objects.update_or_create(
            month=month,
            defaults={"figures": dict(figures), "level": level, "level_rule": level_rule},
        )
    return row
