"""Reads of the federal report (never write, never lock)."""

from reports.selectors.report import (
    GroupRow,
    Report,
    TenantRow,
    Trend,
    TrendMonth,
    level_counts,
    levels_for,
    report,
    shares_of,
    trend,
)
from reports.selectors.report_page import Ranked, ReportPage, report_page
from reports.selectors.rules import rule_history, rule_in_force
from reports.selectors.workshops import trained_counts, workshops_of

__all__ = [
    "GroupRow",
    "Ranked",
    "Report",
    "ReportPage",
    "TenantRow",
    "Trend",
    "TrendMonth",
    "level_counts",
    "levels_for",
    "report",
    "report_page",
    "rule_history",
    "rule_in_force",
    "shares_of",
    "trained_counts",
    "trend",
    "workshops_of",
]
