"""The officers' journey in Chromium: a section officer registers an electronic receipt, puts it
in a new file, writes a note and forwards it to the deputy secretary, who opens it from the
inbox, adds a note and returns it; the section officer sees it back with both green notes and
the whole movement history. Screens of the inbox, the file and the register are saved in
English and Urdu (to EOFFICE_SCREENS_DIR when set, e.g. docs/screens)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect
from pytest_django import DjangoDbBlocker

from eoffice.models import Priority
from eoffice.services import files, movement, notes, receipts
from tests.browser.test_sign_in import office_screen, sign_in
from tests.conftest import World, make_test_tenant
from tests.eoffice.chart import ORIGIN, Chart, build_chart, file_details, pdf_bytes, receipt_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SUBJECT = "Repair of Government Girls High School, Model Town"


@dataclass
class Office:
    chart: Chart
    host: str


@pytest.fixture(scope="module")
def office(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Office]:
    """A tenant of its own with the test chart and a working week's traffic, committed so the
    server's threads see it."""
    with django_db_blocker.unblock():
        made = make_test_tenant(subdomain="journey", name="Test Journey", partner=None, officers=0)
        with schema_context(made.tenant.schema_name):
            chart = build_chart("journey.example", passwords=True)
            _busy_week(chart)
    yield Office(chart=chart, host=made.host)


def _busy_week(chart: Chart) -> None:
    """Receipts and files already moving, so the screens show a realistic day."""
    cr, so, ds = chart.desk("cr"), chart.desk("so"), chart.desk("ds")
    letters = [
        # subject, sender, priority, received days ago, due in days, marked to
        (
            "Audit para 14 of 2025-26: reply to Accountant General",
            "Accountant General Punjab",
            3,
            6,
            -2,
            "DS(Admin)",
        ),
        (
            "Transfer and posting of senior clerks",
            "Services and General Administration",
            1,
            2,
            5,
            "SO(Admin)",
        ),
        (
            "Budget estimates 2027-28: call for proposals",
            "Finance Department",
            2,
            1,
            3,
            "DS(Admin)",
        ),
        (
            "Complaint regarding delay in pension case",
            "Mr. Abdul Rauf, Lahore",
            0,
            0,
            None,
            "SO(Admin)",
        ),
        (
            "Supply of office furniture for the Admin Section",
            "Punjab Procurement Authority",
            0,
            0,
            9,
            "SO(Admin)",
        ),
    ]
    today = timezone.localdate()
    for subject, sender, priority, received, due, to_post in letters:
        details = receipt_details(
            chart,
            subject=subject,
            sender_name=sender,
            priority=priority,
            received_date=today - timedelta(days=received),
            letter_date=today - timedelta(days=received + 3),
            due_date=None if due is None else today + timedelta(days=due),
        )
        receipt = receipts.register_receipt(desk=cr, details=details, origin=ORIGIN)
        movement.forward(
            desk=cr,
            item_id=receipt.pk,
            to_post_id=chart.post(to_post).pk,
            remarks="For necessary action",
            origin=ORIGIN,
        )
    for subject, priority in [
        ("Annual confidential reports 2026", Priority.PRIORITY),
        ("Purchase of computers for the Secretariat", Priority.NORMAL),
    ]:
        file = files.open_file(
            desk=so, details=file_details(chart, subject=subject, priority=priority), origin=ORIGIN
        )
        notes.save_draft(desk=so, file_id=file.pk, body="Submitted for orders.", origin=ORIGIN)
        movement.forward(
            desk=so, item_id=file.pk, to_post_id=chart.post("DS(Admin)").pk, origin=ORIGIN
        )
    assert ds.holdings


def screens_dir(artifacts: Path) -> Path:
    folder = Path(os.environ.get("EOFFICE_SCREENS_DIR") or artifacts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def signed_in(browser: Browser, base: str, email: str) -> Page:
    page = office_screen(browser).new_page()
    page.goto(f"{base}/accounts/login/")
    sign_in(page, email)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    return page


def test_receipt_file_note_forward_and_return(
    office: Office, server_port: int, browser: Browser, artifacts: Path, tmp_path: Path
) -> None:
    base = f"http://{office.host}:{server_port}"
    screens = screens_dir(artifacts)
    letter = tmp_path / "letter-from-deo.pdf"
    letter.write_bytes(pdf_bytes(3))

    # The section officer registers the letter as an electronic receipt.
    so = signed_in(browser, base, "so@journey.example")
    so.get_by_role("link", name="Receipts").click()
    so.get_by_role("link", name="Register receipt").click()
    so.get_by_label("Electronic").check()
    so.get_by_label("Scanned letter or e-mail").set_input_files(letter)
    so.get_by_label("Sender", exact=True).fill("District Education Officer, Lahore")
    so.get_by_label("Letter number").fill("DEO/LHR/2026/884")
    so.get_by_label("Letter date").fill(
        (timezone.localdate() - timedelta(days=4)).strftime("%d/%m/%Y")
    )
    so.get_by_label("Subject").fill(SUBJECT)
    so.get_by_label("Category").select_option(label="Development")
    so.get_by_label("Priority").select_option(label="Immediate")
    so.get_by_role("button", name="Register").click()
    expect(so.locator(".message-success")).to_contain_text("Receipt registered with diary number")
    expect(so.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(so.get_by_role("link", name=re.compile("Open the letter"))).to_be_visible()

    # …puts it in a new file, whose correspondence shows the letter's three pages.
    so.get_by_label("Or open a new file on").fill("Repair of school buildings 2026-27")
    so.get_by_label("Category of the new file").select_option(label="Development")
    so.get_by_role("button", name="Put in file").click()
    expect(so.locator(".message-success")).to_contain_text("The receipt is now in file ADMIN/")
    expect(so.locator(".correspondence")).to_contain_text("pp. 1–3")
    file_url = so.url
    reference = so.locator(".item-head .reference").inner_text()

    # …writes a note (saved in place by htmx) and forwards the file to the deputy secretary.
    so.get_by_label("Note", exact=True).fill(
        "The DEO requests funds for urgent repairs (p. 1–3). The estimate is within the "
        "sanctioned budget. Submitted for approval, please."
    )
    so.get_by_role("button", name="Save draft").click()
    expect(so.locator("#draft")).to_contain_text("Your draft note")
    so.get_by_role("button", name="Forward", exact=True).click()
    so.get_by_label("To post").select_option(label="DS(Admin) · Deputy Secretary (Admin)")
    so.locator("#move_remarks").fill("Please approve")
    so.get_by_role("button", name="Send").click()
    expect(so.locator(".message-success")).to_contain_text(f"Sent {reference} to DS(Admin)")

    # The deputy secretary finds it unread in the inbox and opens it.
    ds = signed_in(browser, base, "ds@journey.example")
    ds.get_by_role("link", name="My work").click()
    row = ds.locator("tr.unread", has_text=reference)
    expect(row).to_contain_text("SO(Admin)")
    expect(row).to_contain_text("Please approve")
    ds.screenshot(path=screens / "inbox-en.png", full_page=True)
    row.get_by_role("link", name=reference).click()
    expect(ds.locator(".note-sent")).to_have_count(1)
    expect(ds.locator(".note-sent").first).to_contain_text("Submitted for approval")
    ds.get_by_label("Note", exact=True).fill("Approved. Issue the sanction letter.")
    ds.get_by_role("button", name="Save draft").click()
    expect(ds.locator("#draft")).to_contain_text("Your draft note")
    ds.get_by_role("button", name="Return to SO(Admin)").click()
    ds.locator("#return_remarks").fill("Approved")
    ds.get_by_role("button", name="Return", exact=True).click()
    expect(ds.locator(".message-success")).to_contain_text(f"Returned {reference} to SO(Admin)")

    # The section officer has it back: both notes green and signed, every movement recorded.
    so.get_by_role("link", name="My work").click()
    so.locator("tr", has_text=reference).get_by_role("link", name=reference).click()
    expect(so).to_have_url(file_url)
    sent = so.locator(".note-sent")
    expect(sent).to_have_count(2)
    expect(sent.nth(0)).to_contain_text("Section Officer (Admin) (SO(Admin))")
    expect(sent.nth(1)).to_contain_text("Approved. Issue the sanction letter.")
    expect(sent.nth(1)).to_contain_text("Deputy Secretary (Admin) (DS(Admin))")
    history = so.locator("#movements")
    expect(history).to_contain_text("Forwarded SO(Admin) → DS(Admin)")
    expect(history).to_contain_text("Returned DS(Admin) → SO(Admin)")
    expect(history).to_contain_text("Opened")
    expect(history).to_contain_text("DS Officer")
    so.screenshot(path=screens / "file-en.png", full_page=True)
    so.get_by_role("link", name="Receipts").click()
    expect(so.locator("#register")).to_contain_text(SUBJECT)
    # The register of everything the officer may see, filtered in place by htmx.
    so.locator("select[name=scope]").select_option("all")
    expect(so.locator("#register")).to_contain_text("Transfer and posting of senior clerks")
    expect(so.locator("#register")).not_to_contain_text("Audit para 14")  # marked to DS only
    expect(so).to_have_url(re.compile(r"scope=all"))
    so.screenshot(path=screens / "register-en.png", full_page=True)

    # The same screens in Urdu, right to left, after the officer switches language.
    so.get_by_role("button", name="اردو").click()
    expect(so.locator("html")).to_have_attribute("dir", "rtl")
    so.goto(f"{base}/receipts/?scope=all")
    expect(so.locator("#register")).to_contain_text("Transfer and posting of senior clerks")
    so.screenshot(path=screens / "register-ur.png", full_page=True)
    so.goto(file_url)
    expect(so.locator(".note-sent")).to_have_count(2)
    so.screenshot(path=screens / "file-ur.png", full_page=True)
    ds.get_by_role("button", name="اردو").click()
    ds.goto(f"{base}/inbox/")
    expect(ds.locator("html")).to_have_attribute("lang", "ur")
    ds.screenshot(path=screens / "inbox-ur.png", full_page=True)
