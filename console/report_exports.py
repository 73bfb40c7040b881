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
from typing import Any, TypeAlias

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Worksheet

from console.report_access import ReportScope
from reports.definitions import FIGURES, LABELS, SHARES, level_rule_text
from reports.levels import LEVELS
from reports.selectors import Report, TenantRow, Trend
from reports.selectors.report import NUMBERS
from tenants.models import Tenant

FORMULA_STARTS = frozenset("=+-@\t\r")
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.0"
SHARE_KEYS: tuple[str, ...] = tuple(key for key, _label, _text in SHARES)

Value = str | int | float | bool | datetime.date | None


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ tab or CR would make it a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def is_percent(key: str) -> bool:
    return key.endswith("_share")


def share_label(key: str) -> str:
    return f"{LABELS[key]} (%)" if is_percent(key) else LABELS[key]


def _labeller(choices: type[Tenant.Kind] | type[Tenant.State]) -> Callable[[Value], Value]:
    labels = {value: str(label) for value, label in choices.choices}
    return lambda code: labels.get(code, code) if isinstance(code, str) else code


KIND_LABEL = _labeller(Tenant.Kind)
STATE_LABEL = _labeller(Tenant.State)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # text, int, percent (0-100 as the selectors give it), decimal, flag, date
    value: Callable[[int, TenantRow], Value]
    # How a person reads a code (the workbook); the CSV keeps the code, for machines.
    shown: Callable[[Value], Value] | None = None


def _figure(key: str) -> Callable[[int, TenantRow], Value]:
    return lambda _rank, row: row.figures[key]


def _share(key: str) -> Callable[[int, TenantRow], Value]:
    return lambda _rank, row: row.shares[key]


TENANT_COLUMNS: list[Column] = [
    Column("Rank", "int", lambda rank, _row: rank),
    Column("Tenant", "text", lambda _rank, row: row.name),
    Column("Kind", "text", lambda _rank, row: row.kind, KIND_LABEL),
    Column("Parent", "text", lambda _rank, row: row.parent_name),
    Column("Group", "text", lambda _rank, row: row.group_name),
    Column("Partner", "text", lambda _rank, row: row.partner_name),
    Column("State", "text", lambda _rank, row: row.state, STATE_LABEL),
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


def shown_values(report: Report) -> list[list[Value]]:
    """tenant_values with codes (kind, state) as their labels, for people."""
    shown = [column.shown for column in TENANT_COLUMNS]
    return [
        [value if label is None else label(value) for value, label in zip(row, shown, strict=True)]
        for row in tenant_values(report)
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
# The workbook is written in openpyxl's write-only mode: rows are streamed, and only the cells
# that carry a style are made as objects, which keeps 5,000 tenants to a few seconds.

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
# A value or a styled WriteOnlyCell (openpyxl has no types).
Cell: TypeAlias = Any


def _typed(sheet: Worksheet, value: Value, kind: str = "") -> Cell:
    """One cell: numbers as numbers, percentages as fractions shown with a % format."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if kind == "percent":
        cell = WriteOnlyCell(sheet, value=value / 100)
        cell.number_format = PERCENT_FORMAT
        return cell
    if kind == "decimal":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DECIMAL_FORMAT
        return cell
    return value


def _styled(sheet: Worksheet, value: str, font: Font = BOLD, wrap: bool = False) -> Cell:
    cell = WriteOnlyCell(sheet, value=safe_text(value))
    cell.font = font
    if wrap:
        cell.alignment = WRAP
    return cell


def _table(
    sheet: Worksheet,
    header: Sequence[str],
    kinds: Sequence[str],
    rows: Sequence[Sequence[Value]],
    *,
    widths: Sequence[int] | None = None,
) -> None:
    """A header row in bold, frozen, with an autofilter over the rows below it (write-only
    sheets take their layout before their rows)."""
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(rows) + 1, 1)}"
    for column, label in enumerate(header, start=1):
        width = widths[column - 1] if widths else max(10, min(len(label) + 2, 18))
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.append([_styled(sheet, label, wrap=True) for label in header])
    for values in rows:
        sheet.append(
            [_typed(sheet, value, kind) for value, kind in zip(values, kinds, strict=True)]
        )


def _summary(
    sheet: Worksheet, report: Report, scope: ReportScope, generated: datetime.datetime
) -> None:
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 40
    rows: list[list[Cell]] = [
        [_styled(sheet, _("Status of e-office implementation"), TITLE)],
        [],
        [_styled(sheet, _("Month")), f"{report.month:%Y-%m}"],
        [
            _styled(sheet, _("Generated at")),
            f"{timezone.localtime(generated):%Y-%m-%d %H:%M %Z}",
        ],
        [_styled(sheet, _("Scope")), safe_text(scope_text(scope))],
        [_styled(sheet, _("Tenants")), len(report.rows)],
        [],
        [_styled(sheet, _("Tenants by level"))],
    ]
    rows += [
        [_("Level %(level)s") % {"level": level}, report.level_counts[level]] for level in LEVELS
    ]
    rows += [[], [_styled(sheet, _("Totals"))]]
    rows += [[LABELS[key], report.totals[key]] for key in NUMBERS]
    rows += [
        [share_label(key), _typed(sheet, report.shares[key], _kind(key))] for key in SHARE_KEYS
    ]
    rows += [[], [_styled(sheet, _("Level rule in force"))]]
    rows += [[line] for line in level_rule_text(report.rule).splitlines()]
    for row in rows:
        sheet.append(row)


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
            KIND_LABEL(group.kind),
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
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 110
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, _("Figure")), _styled(sheet, _("Definition"))])
    for label, text in [(label, text) for _key, label, text in FIGURES] + [
        (share_label(key), text) for key, _label, text in SHARES
    ]:
        sheet.append([label, _styled(sheet, text, Font(), wrap=True)])


def render_xlsx(
    report: Report,
    trend: Trend,
    scope: ReportScope,
    *,
    generated: datetime.datetime | None = None,
) -> bytes:
    """The workbook: Summary, Tenants (the CSV's columns, typed), Groups, Trend, Definitions."""
    book = Workbook(write_only=True)
    _summary(book.create_sheet("Summary"), report, scope, generated or timezone.now())
    tenants = book.create_sheet("Tenants")
    widths = [6, 40, 12, 30, 30, 24, 10, 6, *([12] * (len(TENANT_COLUMNS) - 8))]
    _table(
        tenants,
        [column.label for column in TENANT_COLUMNS],
        [column.kind for column in TENANT_COLUMNS],
        shown_values(report),
        widths=widths,
    )
    _groups(book.create_sheet("Groups"), report)
    _trend(book.create_sheet("Trend"), trend)
    _definitions(book.create_sheet("Definitions"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
