"""The report's receiver of billing.signals.usage_recorded (connected in reports.apps)."""

from __future__ import annotations

import datetime
from typing import Any


def queue_roll_up(sender: Any, *, tenant_id: int, day: datetime.date, **kwargs: Any) -> None:
    """Queues the roll-up of the month of the day just recorded (sent after the commit, so
    the task reads the record)."""
    from reports.tasks import roll_up

    roll_up.delay(tenant_id, day.replace(day=1).isoformat())
