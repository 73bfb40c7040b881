"""The month's implementation report as files: CSV (machine-readable, one row per tenant) and
Excel (summary, tenants, groups, trend, definitions). The PDF is in console/report_pdf.py.

Both take the rows of reports.selectors.report for the caller's scope; nothing here chooses
tenants. Tenant names are typed by applicants, so every text cell that a spreadsheet would
read as a formula is quoted.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from console.report_access import ReportScope
from reports.definitions import FIGURES, LABELS, SHARES, level_rule_text
from reports.levels import LEVELS
from reports.selectors import Report, TenantRow, Trend
from reports.selectors.report import NUMBERS

FIRST_MONTH = datetime.date(2020, 1, 1)
FORMULA_STARTS = frozenset("=+-@\t\r")
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.0"
SHARE_KEYS: tuple[str, ...] = tuple(key for key, _label, _text in SHARES)

Value = str | int | float | bool | datetime.date | None


class BadMonth(ValueError):
    """The month asked for is not one the report has (shown to the user as is)."""


def report_month(text: str, *, today: datetime.date | None = None) -> datetime.date:
    """The first day of the month written YYYY-MM, from January 2020 to this month."""
    try:
        month = datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise BadMonth(_("The month must be written YYYY-MM, for example 2025-06.")) from None
    if len(text) != 7:  # strptime also takes 2025-6
        raise BadMonth(_("The month must be written YYYY-MM, for example 2025-06."))
    this_month = (today or timezone.localdate()).replace(day=1)
    if month < FIRST_MONTH or month > this_month:
        raise BadMonth(
            _("The report has months from %(first)s to %(last)s.")
            % {"first": f"{FIRST_MONTH:%Y-%m}", "last": f"{this_month:%Y-%m}"}
        )
    return month


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ tab or CR would make it a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def is_percent(key: str) -> bool:
    return key.endswith("_share")


def share_label(key: str) -> str:
    return f"{LABELS[key]} (%)" if is_percent(key) else LABELS[key]


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # text, int, percent (0-100 as the selectors give it), decimal, flag, date
    value: Callable[[int, TenantRow], Value]


def _figure(key: str) -> Callable[[int, TenantRow], Value]:
    return lambda _rank, row: row.figures[key]


def _share(key: str) -> Callable[[int, TenantRow], Value]:
    return lambda _rank, row: row.shares[key]


TENANT_COLUMNS: list[Column] = [
    Column("Rank", "int", lambda rank, _row: rank),
    Column("Tenant", "text", lambda _rank, row: row.name),
    Column("Kind", "text", lambda _rank, row: row.kind),
    Column("Parent", "text", lambda _rank, row: row.parent_name),
    Column("Group", "text", lambda _rank, row: row.group_name),
    Column("Partner", "text", lambda _rank, row: row.partner_name),
    Column("State", "text", lambda _rank, row: row.state),
    Column("Level", "int", lambda _rank, row: row.level),
    Column("Has figures", "flag", lambda _rank, row: row.has_figures),
    *(Column(LABELS[key], "int", _figure(key)) for key in NUMBERS),
    *(
        Column(share_label(key), "percent" if is_percent(key) else "decimal", _share(key))
        for key in SHARE_KEYS
    ),
    Column(LABELS["pendency_measured"], "flag", lambda _rank, row: row.pendency_measured),
    Column("Last day", "date", lambda _rank, row: row.last_day),
]


def tenant_values(report: Report) -> list[list[Value]]:
    """The ranked rows as raw values, one list per tenant in TENANT_COLUMNS' order."""
    return [
        [column.value(rank, row) for column in TENANT_COLUMNS]
        for rank, row in enumerate(report.rows, start=1)
    ]


def _csv_cell(value: Value) -> str | int | float:
    if value is None:
        return ""  # unknown stays blank, never 0
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def render_csv(report: Report) -> bytes:
    """One header row, then one row per tenant in the ranked order, and nothing else. UTF-8
    with a byte-order mark, which Excel needs to read Urdu names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in TENANT_COLUMNS])
    writer.writerows([_csv_cell(value) for value in row] for row in tenant_values(report))
    return out.getvalue().encode("utf-8-sig")


def scope_text(scope: ReportScope) -> str:
    if scope.is_federal:
        return _("All e-offices")
    return _("E-offices operated by %(partners)s") % {"partners": ", ".join(scope.partner_names)}


# --- Excel -----------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def _put(sheet: Worksheet, row: int, column: int, value: Value, kind: str = "") -> None:
    """One typed cell: numbers as numbers, percentages as fractions shown with a % format."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = _("yes") if value else _("no")
    elif isinstance(value, str):
        cell.value = safe_text(value)
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif kind == "percent":
        cell.value = value / 100
        cell.number_format = PERCENT_FORMAT
    elif kind == "decimal":
        cell.value = value
        cell.number_format = DECIMAL_FORMAT
    else:
        cell.value = value


def _table(
    sheet: Worksheet,
    header: Sequence[str],
    kinds: Sequence[str],
    rows: Sequence[Sequence[Value]],
    *,
    widths: Sequence[int] | None = None,
) -> None:
    """A header row in bold, frozen, with an autofilter over the rows below it."""
    for column, label in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, values in enumerate(rows, start=2):
        for column, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            _put(sheet, number, column, value, kind)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(rows) + 1, 1)}"
    for column, label in enumerate(header, start=1):
        width = widths[column - 1] if widths else max(10, min(len(label) + 2, 18))
        sheet.column_dimensions[get_column_letter(column)].width = width


def _summary(
    sheet: Worksheet, report: Report, scope: ReportScope, generated: datetime.datetime
) -> None:
    sheet.title = "Summary"
    sheet["A1"] = _("Status of e-office implementation")
    sheet["A1"].font = TITLE
    facts: list[tuple[str, Value]] = [
        (_("Month"), f"{report.month:%Y-%m}"),
        (_("Generated at"), f"{timezone.localtime(generated):%Y-%m-%d %H:%M %Z}"),
        (_("Scope"), scope_text(scope)),
        (_("Tenants"), len(report.rows)),
    ]
    row = 3
    for label, value in facts:
        sheet.cell(row=row, column=1, value=label).font = BOLD
        _put(sheet, row, 2, value)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value=_("Tenants by level")).font = BOLD
    row += 1
    for level in LEVELS:
        sheet.cell(row=row, column=1, value=_("Level %(level)s") % {"level": level})
        _put(sheet, row, 2, report.level_counts[level])
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value=_("Totals")).font = BOLD
    row += 1
    for key in NUMBERS:
        sheet.cell(row=row, column=1, value=LABELS[key])
        _put(sheet, row, 2, report.totals[key])
        row += 1
    for key in SHARE_KEYS:
        sheet.cell(row=row, column=1, value=share_label(key))
        _put(sheet, row, 2, report.shares[key], "percent" if is_percent(key) else "decimal")
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value=_("Level rule in force")).font = BOLD
    for line in level_rule_text(report.rule).splitlines():
        row += 1
        sheet.cell(row=row, column=1, value=line)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 40


def _kind(key: str) -> str:
    return "percent" if is_percent(key) else "decimal"


def _groups(sheet: Worksheet, report: Report) -> None:
    header = [
        "Group",
        "Kind",
        "Tenants",
        *(f"Level {level}" for level in LEVELS),
        *(LABELS[key] for key in NUMBERS),
        *(share_label(key) for key in SHARE_KEYS),
    ]
    kinds = [
        "text",
        "text",
        "int",
        *("int" for _level in LEVELS),
        *("int" for _key in NUMBERS),
        *(_kind(key) for key in SHARE_KEYS),
    ]
    rows: list[list[Value]] = [
        [
            group.name,
            group.kind,
            len(group.tenant_ids),
            *(group.level_counts[level] for level in LEVELS),
            *(group.figures[key] for key in NUMBERS),
            *(group.shares[key] for key in SHARE_KEYS),
        ]
        for group in report.groups
    ]
    _table(sheet, header, kinds, rows, widths=[40, *([12] * (len(header) - 1))])


def _trend(sheet: Worksheet, trend: Trend) -> None:
    header = [
        "Month",
        "Tenants with figures",
        *(f"Level {level}" for level in LEVELS),
        *(LABELS[key] for key in NUMBERS),
        *(share_label(key) for key in SHARE_KEYS),
    ]
    kinds = [
        "text",
        "int",
        *("int" for _level in LEVELS),
        *("int" for _key in NUMBERS),
        *(_kind(key) for key in SHARE_KEYS),
    ]
    rows: list[list[Value]] = [
        [
            f"{month.month:%Y-%m}",
            month.tenants,
            *(month.level_counts[level] for level in LEVELS),
            *(month.figures[key] for key in NUMBERS),
            *(month.shares[key] for key in SHARE_KEYS),
        ]
        for month in trend.totals
    ]
    _table(sheet, header, kinds, rows)


def _definitions(sheet: Worksheet) -> None:
    rows: list[list[Value]] = [[label, text] for _key, label, text in FIGURES]
    rows += [[share_label(key), text] for key, _label, text in SHARES]
    _table(sheet, ["Figure", "Definition"], ["text", "text"], rows, widths=[32, 110])
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def render_xlsx(
    report: Report,
    trend: Trend,
    scope: ReportScope,
    *,
    generated: datetime.datetime | None = None,
) -> bytes:
    """The workbook: Summary, Tenants (the CSV's columns, typed), Groups, Trend, Definitions."""
    book = Workbook()
    _summary(book.active, report, scope, generated or timezone.now())
    tenants = book.create_sheet("Tenants")
    widths = [6, 40, 12, 30, 30, 24, 10, 6, *([12] * (len(TENANT_COLUMNS) - 8))]
    _table(
        tenants,
        [column.label for column in TENANT_COLUMNS],
        [column.kind for column in TENANT_COLUMNS],
        tenant_values(report),
        widths=widths,
    )
    _groups(book.create_sheet("Groups"), report)
    _trend(book.create_sheet("Trend"), trend)
    _definitions(book.create_sheet("Definitions"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
