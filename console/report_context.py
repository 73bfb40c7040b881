"""What the report page shows, worked out from the report's selectors: its rows as the table
prints them, its charts (SVG from console.charts, the only markup marked safe here), and the
links that another part of the console may or may not provide yet."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from console.charts import bar_chart, level_distribution, line_chart, sparkline
from console.report_access import ReportScope
from reports.definitions import FIGURES, SHARES, level_rules
from reports.levels import LEVELS
from reports.models import AdoptionRule
from reports.selectors import ReportPage, TenantRow, Trend, report_page, trend

TREND_MONTHS = 12
TOP_LEVEL = max(LEVELS)


def optional_url(name: str, **kwargs: Any) -> str | None:
    """The URL of `name`, or None while that screen is not part of the console."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _drawn(svg: str) -> SafeString:
    """An SVG from console.charts, which escapes every text it draws: nothing else is marked
    safe on the page."""
    return mark_safe(svg)  # noqa: S308


def _share(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def is_laggard(level: int, electronic_share: float | None, rule: AdoptionRule) -> bool:
    """Levels 0 and 1, or a share electronic below the rule's level 3 threshold."""
    below = electronic_share is not None and electronic_share < rule.level3_electronic_share
    return level <= 1 or below


@dataclass(frozen=True)
class Line:
    """One row of the ranked table."""

    rank: int
    row: TenantRow
    css: str  # "laggard", "leader" or ""
    receipts_share: float | None
    files_share: float | None
    days_in_month: int
    sparkline: SafeString


def _days_in(month: datetime.date) -> int:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - month).days


def _lines(page: ReportPage, series: Trend) -> list[Line]:
    lines = []
    for offset, row in enumerate(page.rows):
        n = row.figures
        if is_laggard(row.level, row.shares["electronic_share"], page.rule):
            css = "laggard"
        elif row.level == TOP_LEVEL:
            css = "leader"
        else:
            css = ""
        values = series.series.get(row.tenant_id, {}).get("electronic_share", [])
        lines.append(
            Line(
                rank=page.first_rank + offset,
                row=row,
                css=css,
                receipts_share=_share(
                    n["receipts_electronic"], n["receipts_electronic"] + n["receipts_physical"]
                ),
                files_share=_share(
                    n["files_opened_electronic"],
                    n["files_opened_electronic"] + n["files_opened_physical"],
                ),
                days_in_month=_days_in(page.month),
                sparkline=_drawn(
                    sparkline(
                        values,
                        title=_("%(tenant)s: share electronic, 12 months") % {"tenant": row.name},
                        top=100,
                    )
                ),
            )
        )
    return lines


def _charts(page: ReportPage, series: Trend) -> dict[str, SafeString | None]:
    rule = page.rule
    shown = list(page.most_electronic)
    picked = {ranked.tenant_id for ranked in shown}
    # The lowest, lowest last, after the highest; a small report shows each tenant once.
    lowest = reversed(page.least_electronic)
    shown += [ranked for ranked in lowest if ranked.tenant_id not in picked]
    electronic = (
        bar_chart(
            [ranked.name for ranked in shown],
            [ranked.value for ranked in shown],
            title=_("Share electronic by tenant: highest and lowest"),
            laggards=[is_laggard(ranked.level, ranked.value, rule) for ranked in shown],
            unit="%",
        )
        if shown
        else None
    )
    pendency = (
        bar_chart(
            [ranked.name for ranked in page.most_pending],
            [ranked.value for ranked in page.most_pending],
            title=_("Items pending over 7 working days: the most"),
        )
        if page.most_pending
        else None
    )
    months = [f"{total.month:%b %Y}" for total in series.totals]
    lines = line_chart(
        months,
        {
            _("Electronic"): [total.shares["electronic_share"] for total in series.totals],
            _("Active"): [total.shares["active_share"] for total in series.totals],
            _("Trained"): [total.shares["trained_share"] for total in series.totals],
        },
        title=_("Shares over 12 months (%)"),
        width=760,
        height=240,
        top=100,
    )
    levels = level_distribution(page.level_counts, title=_("Tenants by adoption level"))
    return {
        "levels": _drawn(levels),
        "electronic": _drawn(electronic) if electronic else None,
        "pendency": _drawn(pendency) if pendency else None,
        "trend": _drawn(lines),
    }


def report_context(scope: ReportScope, month: datetime.date, page_number: int) -> dict[str, Any]:
    """Everything the page shows for the scope's tenants in `month`; a fixed number of
    queries whatever the number of tenants."""
    page = report_page(month, tenant_ids=scope.ids, page=page_number)
    series = trend(
        TREND_MONTHS,
        tenant_ids=scope.ids,
        until=month,
        series_of=[row.tenant_id for row in page.rows],
    )
    stamp = f"{month:%Y-%m}"
    return {
        "report": page,
        "lines": _lines(page, series),
        "charts": _charts(page, series),
        "trend": series,
        "groups": [(group, sum(group.level_counts.values())) for group in page.groups],
        "definitions": FIGURES,
        "share_definitions": SHARES,
        "level_rules": level_rules(page.rule),
        "rule_url": optional_url("console:report_rule") if scope.is_federal else None,
        "exports": [
            (label, url)
            for label, url in (
                (_("CSV"), optional_url("console:report_csv", month=stamp)),
                (_("Excel"), optional_url("console:report_xlsx", month=stamp)),
                (_("PDF"), optional_url("console:report_pdf", month=stamp)),
            )
            if url
        ],
    }
