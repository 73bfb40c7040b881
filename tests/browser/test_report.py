"""The implementation status report in Chromium: a federal administrator reads a month with its
charts, switches month, and downloads the PDF for the PM's Office and the Excel workbook; the
PDF is turned into PNG pages with pdftoppm and holds the cover and the charts."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect
from pytest_django import DjangoDbBlocker

from billing.models import UsageRecord
from reports.services.rollup import roll_up_month
from tenants.models import Partner
from tenants.services import create_partner
from tests import conftest
from tests.browser.test_sign_in import office_screen, sign_in
from tests.conftest import World, make_test_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Months no other test records usage for.
SEPTEMBER = datetime.date(2025, 9, 1)
OCTOBER = datetime.date(2025, 10, 1)


@dataclass
class Offices:
    partner: Partner
    leader: conftest.TestTenant
    laggard: conftest.TestTenant


def _days(
    tenant: Any, month: datetime.date, *, electronic: int, physical: int, active: int
) -> None:
    for day in range(1, 11):
        UsageRecord.objects.create(
            tenant=tenant,
            day=month.replace(day=day),
            officers=40,
            officers_active=active,
            officers_active_month=active,
            storage_bytes=2_000_000_000,
            figures={
                "receipts_electronic": electronic,
                "receipts_physical": physical,
                "files_opened": 2,
                "files_closed": 1,
                "closing_days_sum": 12,
                "files_opened_month_electronic": 2 * day if physical == 0 else day,
                "files_opened_month_physical": 0 if physical == 0 else day,
                "files_active_month": 3 * day,
                "file_posts_sum_month": 7 * day,
                "pendency_measured": 1,
                "pending_over_7": 0 if physical == 0 else 9,
                "pending_over_30": 0 if physical == 0 else 2,
                "pending_worst_posts": []
                if physical == 0
                else [
                    {
                        "post_id": 3,
                        "post": "Section Officer (Budget)",
                        "items": 9,
                        "oldest_days": 41,
                    }
                ],
            },
        )
    roll_up_month(tenant_id=tenant.pk, month=month)


@pytest.fixture(scope="module")
def offices(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Offices]:
    """Two e-offices of a partner of their own, one nearly paperless and one still on paper,
    with ten days of figures in September and October 2025, committed for the server."""
    with django_db_blocker.unblock():
        partner = create_partner(name="Report Vendor IT", contact_email="ops@rvendor.example")
        leader = make_test_tenant(
            subdomain="rleader", name="Test Gilgit Secretariat", partner=partner, officers=0
        )
        laggard = make_test_tenant(
            subdomain="rlaggard", name="Test Revenue Department", partner=partner, officers=0
        )
        for month in (SEPTEMBER, OCTOBER):
            _days(leader.tenant, month, electronic=9, physical=0, active=36)
            _days(laggard.tenant, month, electronic=1, physical=8, active=4)
        yield Offices(partner=partner, leader=leader, laggard=laggard)


def _non_white_share(png: Path) -> float:
    image = Image.open(png).convert("L")
    pixels = list(image.getdata())
    return sum(1 for value in pixels if value < 235) / len(pixels)


def _has_red(png: Path) -> bool:
    image = Image.open(png).convert("RGB")
    return any(r > 150 and g < 90 and b < 90 for r, g, b in image.getdata())


def test_administrator_reads_the_report_switches_month_and_downloads_pdf_and_excel(
    world: World, offices: Offices, server_port: int, browser: Browser, artifacts: Path
) -> None:
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing; .ci/run installs Debian's poppler-utils package.")
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    context = office_screen(browser)
    page = context.new_page()
    control = f"http://{world.control_host}:{server_port}"

    page.goto(f"{control}/accounts/login/?next=/console/report/%3Fmonth%3D2025-10")
    sign_in(page, world.federal_admin_email)

    expect(page.get_by_role("heading", level=1)).to_contain_text("October 2025")
    table = page.get_by_role("table").first
    expect(table).to_contain_text("Test Gilgit Secretariat")
    expect(table).to_contain_text("Test Revenue Department")
    # Charts are server-side SVG with an accessible title; sparklines sit in the table.
    assert page.locator("svg[role='img']").count() >= 4
    expect(page.locator("tr.laggard").filter(has_text="Test Revenue Department")).to_have_count(1)
    page.screenshot(path=artifacts / "report.png", full_page=True)

    month = page.locator("input[type='month']")
    month.fill("2025-09")
    month.press("Enter")
    expect(page).to_have_url(f"{control}/console/report/?month=2025-09")
    expect(page.get_by_role("heading", level=1)).to_contain_text("September 2025")
    expect(page.get_by_role("table").first).to_contain_text("Test Gilgit Secretariat")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF").click()
    pdf = artifacts / "report-2025-09.pdf"
    pdf_download.value.save_as(pdf)
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel").click()
    xlsx = artifacts / "report-2025-09.xlsx"
    xlsx_download.value.save_as(xlsx)

    pages = artifacts / "report-pdf"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pages / "page")], check=True)
    pngs = sorted(pages.glob("page-*.png"))
    assert len(pngs) >= 3
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Status of e-office implementation" in cover
    assert "September 2025" in cover
    assert "Prime Minister" in cover
    # The charts page is drawn (not a blank page of text), and the laggard's bar is red.
    charts = pngs[1]
    assert _non_white_share(charts) > 0.02
    assert any(_has_red(png) for png in pngs[1:3])

    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    assert {"Summary", "Tenants"} <= set(workbook.sheetnames)
    names = [row[1] for row in workbook["Tenants"].iter_rows(min_row=2, values_only=True)]
    assert {"Test Gilgit Secretariat", "Test Revenue Department"} <= set(names)

    page.goto(f"{control}/console/tenants/?q=Test")
    expect(page.get_by_role("table").first).to_contain_text("Test Gilgit Secretariat")
    page.screenshot(path=artifacts / "instances.png", full_page=True)
    context.close()
