"""Under the Content-Security-Policy the pages still work in Chromium, and nothing is refused.

Chromium reports every refused script, style or connection on the page's console; each page of
both planes is opened, its htmx parts used, and the console must stay free of refusals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect
from pytest_django import DjangoDbBlocker

from eoffice.services import files, notes
from tests.browser.test_sign_in import office_screen, sign_in
from tests.conftest import PASSWORD, World, make_test_tenant
from tests.eoffice.chart import ORIGIN, build_chart, file_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@dataclass
class Office:
    host: str
    file_id: int


@pytest.fixture(scope="module")
def office(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Office]:
    with django_db_blocker.unblock():
        made = make_test_tenant(subdomain="policy", name="Test Policy", partner=None, officers=0)
        with schema_context(made.tenant.schema_name):
            chart = build_chart("policy.example", passwords=True)
            file = files.open_file(
                desk=chart.desk("so"), details=file_details(chart), origin=ORIGIN
            )
            notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="First.", origin=ORIGIN)
    yield Office(host=made.host, file_id=file.pk)


class Refusals:
    """Every Content-Security-Policy refusal on the console of the pages it watches."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.seen.append(f"{message.page.url if message.page else '?'}: {message.text}")


def signed_in(browser: Browser, refusals: Refusals, base: str, email: str) -> Page:
    page = refusals.watch(office_screen(browser).new_page())
    page.goto(f"{base}/accounts/login/")
    sign_in(page, email)
    return page


def test_officers_pages_work_under_the_policy(
    office: Office, server_port: int, browser: Browser
) -> None:
    refusals = Refusals()
    base = f"http://{office.host}:{server_port}"
    so = signed_in(browser, refusals, base, "so@policy.example")
    expect(so.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    # htmx filters the tray in place (a script from static/, requests to the same host).
    so.goto(f"{base}/inbox/")
    with so.expect_request(re.compile(r"/inbox/\?")):
        so.locator("input[name=q]").press_sequentially("nothing matches")
    so.goto(f"{base}/receipts/")
    so.goto(f"{base}/org-chart/")
    so.goto(f"{base}/directory/")

    # The draft note is saved by htmx, and discarding it asks first (was an inline onsubmit).
    so.goto(f"{base}/items/{office.file_id}/")
    so.get_by_label("Note", exact=True).fill("Second thoughts.")
    so.get_by_role("button", name="Save draft").click()
    expect(so.locator("#draft")).to_contain_text("Your draft note")
    questions: list[str] = []

    def decline(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    so.once("dialog", decline)
    so.get_by_role("button", name="Discard").click()
    expect(so.locator("#draft")).to_contain_text("Your draft note")  # kept: the officer declined
    so.once("dialog", lambda dialog: dialog.accept())
    so.get_by_role("button", name="Discard").click()
    expect(so.locator("#draft")).to_contain_text("Write a note")
    assert questions == ["Discard this draft note?"]

    admin = signed_in(browser, refusals, base, "admin@policy.example")
    for path in ("/manage/", "/manage/settings/", "/manage/history/"):
        admin.goto(f"{base}{path}")
        expect(admin.locator("main h1").first).to_be_visible()

    assert refusals.seen == []


def test_control_plane_pages_work_under_the_policy(
    world: World, server_port: int, browser: Browser
) -> None:
    refusals = Refusals()
    base = f"http://localhost:{server_port}"
    page = refusals.watch(office_screen(browser).new_page())
    for path in ("/", "/apply/", "/accounts/login/", "/no-such-page/"):
        page.goto(f"{base}{path}")
    page.goto(f"http://nowhere.localhost:{server_port}/")

    federal = signed_in(browser, refusals, base, world.federal_admin_email)
    expect(federal.get_by_role("heading", name="Tenants", exact=True)).to_be_visible()
    federal.goto(f"{base}/console/applications/")
    # Two-factor set-up shows its QR code as a data: image, which the policy allows.
    federal.goto(f"{base}/accounts/2fa/totp/activate/")
    federal.get_by_label("Password").fill(PASSWORD)  # allauth asks again first
    federal.get_by_role("button", name="Confirm").click()
    expect(federal.locator("img").first).to_be_visible()

    assert refusals.seen == []
