"""The report's writes: roll-ups, workshops and rule changes (one transaction each)."""

from reports.services.rollup import roll_up_month, tenants_to_roll_up
from reports.services.rollup_sets import roll_up_month_for_all
from reports.services.rules import change_rule
from reports.services.workshops import record_workshop, refresh_trained, withdraw_workshop

__all__ = [
    "change_rule",
    "record_workshop",
    "refresh_trained",
    "roll_up_month",
    "roll_up_month_for_all",
    "tenants_to_roll_up",
    "withdraw_workshop",
]
