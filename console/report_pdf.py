"""The month's implementation report as a PDF for the Prime Minister's Office: a cover, a page
of charts, the groups and the definitions with the level rule (WeasyPrint), then an annex of
every tenant, ranked (ReportLab, console/report_annex.py), merged into one file with pypdf.

The HTML is rendered from templates/console/report/pdf.html, whose print stylesheet is inline
(the page is never served to a browser, so the CSP does not concern it) and which links to
nothing: WeasyPrint fetches no URL. Charts are console/charts.py's SVG, drawn inline; each
carries its own colours because WeasyPrint does not apply the document's CSS inside an SVG.
The ranked table is the annex because WeasyPrint takes about 11 ms to lay out each of its rows
(a minute at 5,000 tenants) where ReportLab draws them in well under a second.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pypdf import PdfWriter
from reportlab.lib.units import mm

from console import charts
from console.report_access import ReportScope
from console.report_annex import Annex, Column, Row, page_count, render_annex
from console.report_context import TOP_LEVEL, is_laggard
from console.report_exports import scope_text
from reports.definitions import FIGURES, LABELS, SHARES, level_rules
from reports.levels import LEVELS
from reports.selectors import Report, Trend
from reports.selectors.report import SERIES

# Bars beyond this many are unreadable on A4: the chart then shows groups, or the extremes.
MOST_BARS = 20
LABEL_CHARS = 30
# What fits on one line of the groups table's name column at 7 pt.
NAME_CHARS = 42
CHART_STYLE = (
    "<style>text{font:11px sans-serif;fill:#222}.bar{fill:#1f5f99}.laggard{fill:#c62828}"
    ".series-0{stroke:#1f5f99;stroke-width:2}.series-1{stroke:#2e7d32;stroke-width:2}"
    ".series-2{stroke:#ef6c00;stroke-width:2}"
    # The legend's names carry their series' class: coloured letters, not outlined ones.
    "text.series-0{fill:#1f5f99;stroke:none}text.series-1{fill:#2e7d32;stroke:none}"
    "text.series-2{fill:#ef6c00;stroke:none}</style>"
)


def _styled(svg: str) -> str:
    return svg.replace('role="img">', f'role="img">{CHART_STYLE}', 1)


def _cut(name: str, chars: int) -> str:
    """The name in at most `chars` characters; cut in the middle, as departments of one
    ministry differ at their end."""
    if len(name) <= chars:
        return name
    head = (chars - 1) // 2
    return name[:head] + "…" + name[len(name) - (chars - 1 - head) :]


def _label(name: str) -> str:
    return _cut(name, LABEL_CHARS)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    note: str = ""


def _extremes(
    pairs: list[tuple[str, float]], most: int = MOST_BARS
) -> tuple[list[tuple[str, float]], str]:
    """At most `most` bars, highest first: the leaders and the laggards when there are more."""
    pairs = sorted(pairs, key=lambda pair: -pair[1])
    if len(pairs) <= most:
        return pairs, ""
    half = most // 2
    note = _("The %(half)s highest and %(half)s lowest of %(count)s.") % {
        "half": half,
        "count": len(pairs),
    }
    return pairs[:half] + pairs[-half:], note


def electronic_chart(report: Report) -> Chart:
    """Share electronic by tenant (by group when there are too many tenants); below the
    level-3 threshold in red. Tenants without figures are left out, not drawn as 0."""
    threshold = float(report.rule.level3_electronic_share)
    by_tenant = [
        (row.name, row.shares["electronic_share"])
        for row in report.rows
        if row.shares["electronic_share"] is not None
    ]
    if len(by_tenant) <= MOST_BARS:
        title, found = _("Share electronic by tenant (%)"), by_tenant
    else:
        title = _("Share electronic by group (%)")
        found = [
            (group.name, group.shares["electronic_share"])
            for group in report.groups
            if group.shares["electronic_share"] is not None
        ]
    pairs, note = _extremes([(name, share) for name, share in found if share is not None])
    unknown = len(report.rows) - len(by_tenant)
    if unknown:
        left_out = _("%(count)s with no receipts or files opened not shown.") % {"count": unknown}
        note = " ".join(filter(None, [note, left_out]))
    svg = charts.bar_chart(
        [_label(name) for name, _value in pairs],
        [value for _name, value in pairs],
        title=title,
        laggard_below=threshold,
        top=100,  # a share: a full bar is every receipt and file electronic
    )
    return Chart(title, _styled(svg), note)


def pendency_chart(report: Report) -> Chart:
    """The tenants with most items pending over 7 working days (only where pendency was
    measured: an unmeasured month is not zero)."""
    measured = [
        (row.name, float(row.figures["pending_over_7"]))
        for row in report.rows
        if row.pendency_measured and row.figures["pending_over_7"] > 0
    ]
    measured.sort(key=lambda pair: -pair[1])
    shown = measured[:MOST_BARS]
    title = _("Items pending over 7 working days")
    note = ""
    if len(measured) > len(shown):
        note = _("The %(shown)s highest of %(count)s.") % {
            "shown": len(shown),
            "count": len(measured),
        }
    if not shown:
        note = _("No tenant had measured items pending over 7 working days.")
    svg = charts.bar_chart(
        [_label(name) for name, _value in shown], [value for _name, value in shown], title=title
    )
    return Chart(title, _styled(svg), note)


def trend_chart(trend: Trend) -> Chart:
    """The totals' shares over the months; a month without figures is left out, not drawn
    as 0."""
    known = [
        month for month in trend.totals if all(month.shares[name] is not None for name in SERIES)
    ]
    series: dict[str, Sequence[float | None]] = {
        LABELS[name]: [float(month.shares[name] or 0) for month in known] for name in SERIES
    }
    title = _("Shares over 12 months (%)")
    svg = charts.line_chart(
        [f"{month.month:%b %y}" for month in known], series, title=title, top=100
    )
    missing = len(trend.totals) - len(known)
    note = _("%(count)s months without figures not shown.") % {"count": missing} if missing else ""
    legend = ", ".join(
        f"{LABELS[name]} ({colour})"
        for name, colour in zip(SERIES, (_("blue"), _("green"), _("orange")), strict=True)
    )
    return Chart(title, _styled(svg), " ".join(filter(None, [legend, note])))


def level_chart(report: Report) -> Chart:
    title = _("Tenants by level")
    return Chart(title, _styled(charts.level_distribution(report.level_counts, title=title)))


TABLE_SHARES = ("trained_share", "active_share", "electronic_share", "letters_electronic_share")


def _mark(report: Report, level: int, electronic_share: float | None) -> str:
    if is_laggard(level, electronic_share, report.rule):
        return "laggard"
    return "leader" if level == TOP_LEVEL else ""


def annex_of(report: Report) -> Annex:
    """Every tenant of the report in its ranked order, laggards red and leaders green (as on
    the report page)."""
    share_labels = [_("Trained %"), _("Active %"), _("Electr. %"), _("Letters e. %")]
    widths = [8, 60, 36, 9, 12, 12, 12, 12, 12, 9]
    labels = [
        "#",
        _("Tenant"),
        _("Group"),
        _("Level"),
        *share_labels,
        _("Pend. > 30"),
        _("Days"),
    ]
    columns = [
        Column(label, width * mm, numeric=index not in (1, 2))
        for index, (label, width) in enumerate(zip(labels, widths, strict=True))
    ]
    rows = [
        Row(
            [
                str(rank),
                row.name,
                row.group_name,
                str(row.level),
                *(_share(row.shares[key]) for key in TABLE_SHARES),
                str(row.figures["pending_over_30"]) if row.pendency_measured else "–",
                str(row.figures["days_recorded"]),
            ],
            _mark(report, row.level, row.shares["electronic_share"]),
        )
        for rank, row in enumerate(report.rows, start=1)
    ]
    month = f"{report.month:%B %Y}"
    legend = _(
        "Red: laggards (level 0 or 1, or under %(share)s%% of receipts and files electronic). "
        "Green: leaders (level 4). – : not known."
    ) % {"share": report.rule.level3_electronic_share}
    return Annex(
        title=_("Annex: every tenant, ranked, %(month)s") % {"month": month},
        legend=legend,
        footer=_("Status of e-office implementation, %(month)s") % {"month": month},
        columns=columns,
        rows=rows,
    )


def _group_rows(report: Report) -> list[list[str]]:
    return [
        [
            _cut(group.name, NAME_CHARS),
            str(len(group.tenant_ids)),
            *(str(group.level_counts[level]) for level in LEVELS),
            *(_share(group.shares[key]) for key in TABLE_SHARES),
        ]
        for group in report.groups
    ]


def report_html(
    report: Report, trend: Trend, scope: ReportScope, *, generated: datetime.datetime
) -> str:
    share_labels = [_("Trained %"), _("Active %"), _("Electr. %"), _("Letters e. %")]
    context = {
        "platform": settings.PLATFORM_NAME,
        "month": report.month,
        "generated": timezone.localtime(generated),
        "scope": scope_text(scope),
        "tenant_count": len(report.rows),
        "level_counts": [(level, report.level_counts[level]) for level in LEVELS],
        "totals": [
            (LABELS[key], _share(report.shares[key]))
            for key in ("trained_share", "active_share", "electronic_share")
        ],
        "charts": [
            level_chart(report),
            trend_chart(trend),
            electronic_chart(report),
            pendency_chart(report),
        ],
        "annex_pages": page_count(len(report.rows)),
        "group_header": [
            _("Group"),
            _("Tenants"),
            *(f"L{level}" for level in LEVELS),
            *share_labels,
        ],
        "group_rows": _group_rows(report),
        "figures": [(label, text) for _key, label, text in FIGURES + SHARES],
        "rules": level_rules(report.rule),
    }
    return render_to_string("console/report/pdf.html", context)


# The print stylesheet lives in a file of its own: no template holds a <style> (the CSP
# forbids inline styles, and the check of templates makes no exception for print).
PRINT_CSS = settings.BASE_DIR / "static" / "css" / "report-print.css"


def _css_text(text: str) -> str:
    """`text` as a CSS string's content."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _footers(report: Report) -> str:
    """Each report page's footer: the title and month, and "Page N of M"."""
    title = _css_text(
        _("Status of e-office implementation") + ", " + date_format(report.month, "F Y")
    )
    page, of = _css_text(_("Page")), _css_text(_("of"))
    return (
        "@page {"
        f' @bottom-center {{ content: "{page} " counter(page) " {of} " counter(pages);'
        " font: 8pt sans-serif; color: #555; }"
        f' @bottom-left {{ content: "{title}"; font: 8pt sans-serif; color: #555; }}'
        " }"
    )


def render_pdf(
    report: Report,
    trend: Trend,
    scope: ReportScope,
    *,
    generated: datetime.datetime | None = None,
) -> bytes:
    """The report as A4 PDF bytes: the WeasyPrint pages, then the annex."""
    html = report_html(report, trend, scope, generated=generated or timezone.now())
    # base_url is a local directory and the template links to nothing, so no fetch happens.
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR / "static"))
    stylesheets = [weasyprint.CSS(filename=str(PRINT_CSS)), weasyprint.CSS(string=_footers(report))]
    writer = PdfWriter()
    writer.append(io.BytesIO(document.write_pdf(stylesheets=stylesheets)))
    writer.append(io.BytesIO(render_annex(annex_of(report))))
    writer.add_metadata(
        {
            "/Title": _("Status of e-office implementation, %(month)s")
            % {"month": f"{report.month:%B %Y}"}
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
