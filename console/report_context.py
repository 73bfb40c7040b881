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
from django.utils.translation import ngettext

from console.charts import bar_chart, level_distribution, line_chart, sparkline
from console.report_access import ReportScope
from reports.definitions import FIGURES, SHARES, level_rules
from reports.levels import LEVELS
from reports.models import AdoptionRule
from reports.selectors import (
    GroupRow,
    ReportPage,
    TenantRow,
    Trend,
    report_page,
    shares_of,
    trend,
)
from reports.selectors.report import NUMBERS

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
    """One row of the ranked table, its cells written out once here: a page of 50 rows in
    template tags (a translation and a number format per cell) costs more than its queries."""

    rank: int
    row: TenantRow
    css: str  # "laggard", "leader" or ""
    receipts: str
    receipts_share: str
    files: str
    files_share: str
    closed: str
    closing_days: str
    posts_per_file: str
    pending: str | None  # None: pendency not measured
    worst_posts: list[str]
    officers: str
    letters: str
    days: str
    missing: str | None
    sparkline: SafeString


def _n(number: int) -> str:
    # Grouped as intcomma groups in both of the console's languages.
    return f"{number:,}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share}%"


def _days_in(month: datetime.date) -> int:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - month).days


def _lines(page: ReportPage, series: Trend) -> list[Line]:
    days_in_month = _days_in(page.month)
    days_of = _("%(recorded)s of %(days)s days")
    closing = _("%(days)s d")
    worst = _("%(post)s: %(items)s items, oldest %(days)s working days")
    spark_title = _("%(tenant)s: share electronic, 12 months")
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
        average = row.shares["average_closing_days"]
        posts = row.shares["average_posts_per_file"]
        missing = n["days_missing"]
        lines.append(
            Line(
                rank=page.first_rank + offset,
                row=row,
                css=css,
                receipts=f"{_n(n['receipts_electronic'])} / {_n(n['receipts_physical'])}",
                receipts_share=_percent(
                    _share(
                        n["receipts_electronic"], n["receipts_electronic"] + n["receipts_physical"]
                    )
                ),
                files=f"{_n(n['files_opened_electronic'])} / {_n(n['files_opened_physical'])}",
                files_share=_percent(
                    _share(
                        n["files_opened_electronic"],
                        n["files_opened_electronic"] + n["files_opened_physical"],
                    )
                ),
                closed=_n(n["files_closed"]),
                closing_days="—" if average is None else closing % {"days": average},
                posts_per_file="—" if posts is None else str(posts),
                pending=(
                    f"{_n(n['pending_over_7'])} / {_n(n['pending_over_30'])}"
                    if row.pendency_measured
                    else None
                ),
                worst_posts=[
                    worst
                    % {
                        "post": post.get("post", ""),
                        "items": post.get("items", 0),
                        "days": post.get("oldest_days", 0),
                    }
                    for post in row.worst_posts
                ]
                if row.pendency_measured
                else [],
                officers=(
                    f"{_n(n['officers'])} / {_n(n['officers_active'])} / "
                    f"{_n(n['officers_trained'])}"
                ),
                letters=f"{_n(n['letters_electronic'])} / {_n(n['letters_post'])}",
                days=days_of % {"recorded": n["days_recorded"], "days": days_in_month},
                missing=(
                    ngettext("%(missing)s missing", "%(missing)s missing", missing)
                    % {"missing": missing}
                    if missing
                    else None
                ),
                sparkline=_drawn(
                    sparkline(values, title=spark_title % {"tenant": row.name}, top=100)
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


def _groups(page: ReportPage) -> list[tuple[GroupRow, int]]:
    """The groups of two tenants or more, each with its number of tenants, then one row for
    the tenants that are a group on their own (a partner's departments whose ministry it does
    not operate would otherwise fill the table one by one; each is in the ranked table)."""
    shown: list[tuple[GroupRow, int]] = []
    alone: list[GroupRow] = []
    for group in page.groups:
        count = sum(group.level_counts.values())
        if count > 1:
            shown.append((group, count))
        else:
            alone.append(group)
    if len(alone) > 1:
        figures = {key: sum(group.figures[key] for group in alone) for key in NUMBERS}
        levels = {level: sum(group.level_counts[level] for group in alone) for level in LEVELS}
        others = GroupRow(
            group_id=0,
            name=_("Tenants on their own"),
            kind="",
            tenant_ids=[],
            figures=figures,
            shares=shares_of(figures),
            level_counts=levels,
        )
        shown.append((others, len(alone)))
    else:
        shown += [(group, 1) for group in alone]
    return shown


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
        "groups": _groups(page),
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
