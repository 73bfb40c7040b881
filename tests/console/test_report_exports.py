"""The report's exports (CSV, Excel, PDF) of June 2025: the figures worked out by hand from the
usage records each test writes, only the caller's tenants, and no formula in a name."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.services import create_account
from billing.models import UsageRecord
from console.report_month import BadMonth, parse_month
from reports.models import MonthlyFigures
from reports.services.rollup import roll_up_month
from tenants.models import Tenant
from tests.conftest import PASSWORD, World, client_for, signed_in_client

MONTH = datetime.date(2025, 6, 1)
KINDS = ("csv", "xlsx", "pdf")

pytestmark = pytest.mark.django_db


def record(tenant: Tenant, day: int, **figures: Any) -> None:
    UsageRecord.objects.create(
        tenant=tenant,
        day=MONTH.replace(day=day),
        revision=0,
        officers=figures.pop("officers"),
        officers_active=1,
        officers_active_month=figures.pop("active_month"),
        storage_bytes=5000,
        figures=figures,
    )


def make_june(world: World) -> None:
    """Punjab (the partner's): two days. Sindh (no partner's): one day, big numbers that would
    show in any total they leaked into."""
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    record(
        punjab,
        1,
        officers=10,
        active_month=6,
        receipts_electronic=3,
        receipts_physical=1,
        files_opened=2,
        files_opened_month_electronic=1,
        files_opened_month_physical=1,
        letters_electronic_month=2,
        letters_post_month=2,
        pendency_measured=1,
        pending_over_7=4,
        pending_over_30=1,
    )
    record(
        punjab,
        2,
        officers=12,
        active_month=9,
        receipts_electronic=5,
        receipts_physical=2,
        files_opened=1,
        files_opened_month_electronic=2,
        files_opened_month_physical=1,
        letters_electronic_month=3,
        letters_post_month=1,
    )
    record(sindh, 1, officers=50, active_month=5, receipts_electronic=100)
    roll_up_month(tenant_id=punjab.pk, month=MONTH)
    roll_up_month(tenant_id=sindh.pk, month=MONTH)


# Punjab's June by hand: receipts 3+5 electronic, 1+2 physical; files opened electronic and
# physical from day 2 (month to date): 2 and 1; officers 12 and 9 active from day 2; letters
# 3 and 1 from day 2; pendency from day 1 (day 2 measured none).
PUNJAB = {
    "Days recorded": "2",
    "Officer accounts": "12",
    "Officers active": "9",
    "Officers trained": "0",
    "Receipts, electronic": "8",
    "Receipts, physical": "3",
    "Files opened": "3",
    "Files opened, electronic": "2",
    "Files opened, physical": "1",
    "Files closed": "0",
    "Letters, electronic": "3",
    "Letters, by post": "1",
    "Pending over 7 working days": "4",
    "Pending over 30 working days": "1",
    "Storage used": "5000",
    "Trained (%)": "0.0",  # 0 of 12: known, so 0
    "Active (%)": "75.0",  # 9 of 12
    "Electronic (%)": "71.4",  # (8 + 2) of (8 + 2 + 3 + 1)
    "Letters electronic (%)": "75.0",  # 3 of 4
    "Days to close": "",  # no file closed: unknown, blank, not 0
    "Pendency measured": "yes",
    "Last day": "2025-06-02",
    "Has figures": "yes",
}


def url(kind: str, month: str = "2025-06") -> str:
    return reverse(f"console:report_{kind}", urlconf="config.urls_public", kwargs={"month": month})


def admin(world: World) -> Client:
    return signed_in_client(world.control_host, world.federal_admin_email)


def partner(world: World) -> Client:
    return signed_in_client(world.control_host, world.partner_user_email)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Urdu names
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_csv_has_a_row_per_tenant_with_the_months_figures_and_nothing_else(
    world: World,
) -> None:
    make_june(world)

    response = admin(world).get(url("csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report-2025-06.csv"'
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response.content)
    by_name = {row["Tenant"]: row for row in rows}
    punjab = by_name[world.punjab.tenant.name]
    assert {key: punjab[key] for key in PUNJAB} == PUNJAB
    assert punjab["Partner"] == world.partner.name
    assert punjab["Group"] == world.punjab.tenant.name  # no parent: heads its own group
    assert by_name[world.sindh.tenant.name]["Receipts, electronic"] == "100"
    # Ranked 1..n, and only tenant rows: no totals row at the end.
    assert [row["Rank"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert len(rows) == Tenant.objects.filter(state__in=["active", "suspended"]).count()


def test_the_workbook_has_its_sheets_typed_numbers_and_a_frozen_bold_header(
    world: World,
) -> None:
    make_june(world)

    response = partner(world).get(url("xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="report-2025-06.xlsx"'
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Tenants", "Groups", "Trend", "Definitions"]

    tenants = book["Tenants"]
    header = [cell.value for cell in tenants[1]]
    assert tenants["A1"].font.bold and tenants.freeze_panes == "B2"
    assert tenants.auto_filter.ref.startswith("A1:")
    rows = [
        dict(zip(header, row, strict=True))
        for row in tenants.iter_rows(min_row=2, values_only=True)
    ]
    # Every row is the partner's: Punjab, and any tenant an earlier test committed for it.
    assert {row["Partner"] for row in rows} == {world.partner.name}
    (punjab,) = [row for row in rows if row["Tenant"] == world.punjab.tenant.name]
    assert punjab["Tenant"] == world.punjab.tenant.name
    assert punjab["Receipts, electronic"] == 8 and punjab["Officers active"] == 9
    assert punjab["Active (%)"] == pytest.approx(0.75)
    assert punjab["Electronic (%)"] == pytest.approx(0.714)
    assert punjab["Days to close"] is None
    share = tenants.cell(row=2, column=header.index("Active (%)") + 1)
    assert share.number_format == "0.0%"

    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Status of e-office implementation"] is None
    assert summary["Month"] == "2025-06"
    assert summary["Scope"] == f"E-offices operated by {world.partner.name}"
    # Totals only over the partner's tenants: Sindh's 100 receipts are not in them.
    assert summary["Receipts, electronic"] == 8
    assert summary["Level 0"] == len(rows)  # none has figures enough for level 1

    groups = [row[0] for row in book["Groups"].iter_rows(min_row=2, values_only=True)]
    assert world.punjab.tenant.name in groups
    assert set(groups) <= {row["Tenant"] for row in rows}

    trend = list(book["Trend"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 12 and trend[-1][0] == "2025-06" and trend[0][0] == "2024-07"
    trend_header = [cell.value for cell in book["Trend"][1]]
    assert trend[-1][trend_header.index("Receipts, electronic")] == 8
    assert trend[0][trend_header.index("Tenants with figures")] == 0

    definitions = {row[0]: row[1] for row in book["Definitions"].iter_rows(values_only=True)}
    assert "signed in" in definitions["Officers active"]


def test_the_pdf_has_a_cover_charts_the_ranked_table_and_page_numbers(world: World) -> None:
    make_june(world)

    response = admin(world).get(url("pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report-2025-06.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    pages, text = pdf_text(response.content)
    assert pages >= 3
    cover = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Status of e-office implementation" in cover and "June 2025" in cover
    assert "Prepared for the Prime Minister's Office" in cover
    assert "All e-offices" in cover and "Page 1" not in cover
    assert world.punjab.tenant.name in text and world.sindh.tenant.name in text
    # The ranked table is the annex after the report's own pages, each numbered in its part.
    reader = PdfReader(io.BytesIO(response.content))
    annex = [n for n, page in enumerate(reader.pages) if "Annex: page" in page.extract_text()]
    assert annex and annex == list(range(pages - len(annex), pages))
    assert f"Page 2 of {pages - len(annex)}" in text
    assert f"Annex: page 1 of {len(annex)}" in reader.pages[annex[0]].extract_text()
    assert "Annex: every tenant, ranked" in cover  # the contents say it follows
    annex_text = reader.pages[annex[0]].extract_text()
    assert world.punjab.tenant.name in annex_text and "Electr. %" in annex_text
    assert "Share electronic by tenant" in text and "Tenants by level" in text
    assert "75.0" in text and "71.4" in text  # Punjab's active and electronic shares
    assert "Level 4" in text and "Officer accounts" in text  # the rule and definitions


def test_a_partners_exports_hold_only_its_tenants(world: World) -> None:
    make_june(world)
    # The partner operates a department of Sindh, which it does not operate: Sindh is named
    # nowhere, not as its parent nor as its group.
    department = Tenant.objects.create(
        name="Partner Works Department",
        kind=Tenant.Kind.DEPARTMENT,
        state=Tenant.State.ACTIVE,
        subdomain="partner-works",
        partner=world.partner,
        parent=world.sindh.tenant,
    )
    MonthlyFigures.objects.create(
        tenant=department, month=MONTH, days_recorded=30, officers=4, receipts_electronic=2
    )
    client = partner(world)
    theirs, other = world.punjab.tenant.name, world.sindh.tenant.name

    rows = csv_rows(client.get(url("csv")).content)
    workbook = load_workbook(io.BytesIO(client.get(url("xlsx")).content))
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    _pages, text = pdf_text(client.get(url("pdf")).content)

    assert {theirs, department.name} <= {row["Tenant"] for row in rows}
    assert {row["Partner"] for row in rows} == {world.partner.name}
    assert theirs in cells and department.name in cells and other not in cells
    assert theirs in text and other not in text
    assert "Test Partner IT" in text  # the cover names the partner's scope


def test_only_federal_administrators_and_partner_staff_get_the_exports(world: World) -> None:
    create_account(email="clerk@board.example", full_name="Clerk", password=PASSWORD)
    clerk = signed_in_client(world.control_host, "clerk@board.example")
    anonymous = client_for(world.control_host)

    for kind in KINDS:
        assert clerk.get(url(kind)).status_code == 403
        refused = anonymous.get(url(kind))
        assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]


def next_month() -> str:
    today = timezone.localdate()
    following = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return f"{following:%Y-%m}"


@pytest.mark.parametrize("month", ["2025-13", "june", "2025-6", "2019-12", "0000-00", "next"])
def test_a_month_the_report_does_not_have_answers_400_in_every_format(
    world: World, month: str
) -> None:
    client = admin(world)
    month = next_month() if month == "next" else month

    for kind in KINDS:
        response = client.get(url(kind, month))
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert b"month" in response.content


def test_month_bounds() -> None:
    today = datetime.date(2026, 3, 15)
    assert parse_month("2020-01", today=today) == datetime.date(2020, 1, 1)
    assert parse_month("2026-03", today=today) == datetime.date(2026, 3, 1)
    for text in ("2026-04", "2019-12", "2026-3", " 2026-03", "2026-03-01", "0000-01", "2026-03\n"):
        with pytest.raises(BadMonth):
            parse_month(text, today=today)


def test_a_name_written_as_a_formula_stays_text_in_the_csv_and_the_workbook(
    world: World,
) -> None:
    make_june(world)
    formula = '=HYPERLINK("http://evil.example","click")'
    Tenant.objects.filter(pk=world.punjab.tenant.pk).update(name=formula)
    Tenant.objects.filter(pk=world.sindh.tenant.pk).update(name="@SUM(A1:A9)")
    client = admin(world)

    names = {row["Tenant"] for row in csv_rows(client.get(url("csv")).content)}
    book = load_workbook(io.BytesIO(client.get(url("xlsx")).content))
    header = [cell.value for cell in book["Tenants"][1]]
    column = header.index("Tenant") + 1
    cells = [
        book["Tenants"].cell(row=row, column=column)
        for row in range(2, book["Tenants"].max_row + 1)
    ]
    groups = [row[0] for row in book["Groups"].iter_rows(min_row=2, values_only=True)]

    assert {"'" + formula, "'@SUM(A1:A9)"} <= names
    assert {"'" + formula, "'@SUM(A1:A9)"} <= {cell.value for cell in cells}
    assert all(cell.data_type == "s" for cell in cells)
    assert "'" + formula in groups
    _pages, text = pdf_text(client.get(url("pdf")).content)
    assert "HYPERLINK" in text  # the PDF prints the name as it is, escaped


def test_the_pdfs_charts_draw_laggards_red_and_leave_the_unknown_out(world: World) -> None:
    from console.report_pdf import _cut, electronic_chart, trend_chart
    from reports.selectors import report, trend

    make_june(world)
    found = report(MONTH, tenant_ids=[world.punjab.tenant.pk, world.sindh.tenant.pk])
    chart = electronic_chart(found)

    # Punjab's 71.4 % is under the rule's 90 %: a laggard, drawn red; Sindh opened no file
    # and received only electronically (100 %), so it leads.
    assert chart.svg.count('class="laggard"') == 1 and ".laggard{fill:#c62828}" in chart.svg
    assert ">71.4<" in chart.svg and ">100<" in chart.svg
    months = trend_chart(trend(12, tenant_ids=[world.punjab.tenant.pk], until=MONTH))
    assert "11 months without figures not shown." in months.note
    assert _cut("Ministry of Interior dept 0042", 20) == "Ministry … dept 0042"


def test_the_workbook_shows_kind_and_state_as_labels_and_the_csv_keeps_the_codes(
    world: World,
) -> None:
    make_june(world)
    Tenant.objects.filter(pk=world.punjab.tenant.pk).update(kind=Tenant.Kind.PROVINCE)
    Tenant.objects.filter(pk=world.sindh.tenant.pk).update(
        kind=Tenant.Kind.DEPARTMENT, state=Tenant.State.SUSPENDED
    )
    client = admin(world)

    by_name = {row["Tenant"]: row for row in csv_rows(client.get(url("csv")).content)}
    book = load_workbook(io.BytesIO(client.get(url("xlsx")).content))
    header = [cell.value for cell in book["Tenants"][1]]
    sheet = {
        row[header.index("Tenant")]: dict(zip(header, row, strict=True))
        for row in book["Tenants"].iter_rows(min_row=2, values_only=True)
    }
    groups = {row[0]: row[1] for row in book["Groups"].iter_rows(min_row=2, values_only=True)}
    punjab, sindh = world.punjab.tenant.name, world.sindh.tenant.name

    assert (by_name[punjab]["Kind"], by_name[punjab]["State"]) == ("province", "active")
    assert (by_name[sindh]["Kind"], by_name[sindh]["State"]) == ("department", "suspended")
    assert (sheet[punjab]["Kind"], sheet[punjab]["State"]) == ("Province", "Active")
    assert (sheet[sindh]["Kind"], sheet[sindh]["State"]) == ("Department", "Suspended")
    assert groups[punjab] == "Province" and groups[sindh] == "Department"


def test_the_annex_repeats_its_header_on_every_page_and_marks_laggards_and_leaders(
    world: World,
) -> None:
    from console.report_annex import ROWS_PER_PAGE, Annex, Column, Row, render_annex
    from console.report_pdf import annex_of
    from reports.selectors import report

    make_june(world)
    found = report(MONTH, tenant_ids=[world.punjab.tenant.pk, world.sindh.tenant.pk])
    marks = {row.cells[1]: row.mark for row in annex_of(found).rows}
    # Punjab's 71.4 % electronic is under the rule's 90 %: a laggard (level 4 would lead).
    assert marks[world.punjab.tenant.name] == "laggard"

    rows = [Row([str(n), f"Tenant {n:04d}"], "leader" if n == 1 else "") for n in range(1, 200)]
    annex = Annex("Title", "Legend", "Footer", [Column("#", 20, True), Column("Name", 200)], rows)
    reader = PdfReader(io.BytesIO(render_annex(annex)))
    pages = [page.extract_text() for page in reader.pages]

    assert len(pages) == -(-199 // ROWS_PER_PAGE) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Name" in text and f"Annex: page {number} of {len(pages)}" in text
    assert "Tenant 0001" in pages[0] and "Tenant 0199" in pages[-1]
    assert f"Tenant {ROWS_PER_PAGE + 1:04d}" in pages[1]
