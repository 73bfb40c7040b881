"""The console's provisioning card follows a real worker to the end and ends on the open
e-office's link, without a reload: in Chromium."""

import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Browser, expect

from tests import onboarding
from tests.browser.test_sign_in import office_screen, sign_in
from tests.conftest import Worker, World

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db]


def submit_committed(subdomain: str, name: str) -> None:
    """Submits an application on a connection of its own, so the server and worker see it
    (this test's own connection is inside its rolled-back transaction)."""

    def submit() -> None:
        try:
            onboarding.submit(subdomain, name=name, contact_email=f"focal@{subdomain}.example")
        finally:
            connection.close()

    thread = threading.Thread(target=submit)
    thread.start()
    thread.join()


def test_the_provisioning_card_ends_on_the_live_e_office_link_without_a_reload(
    world: World, server_port: int, browser: Browser, celery_worker: Worker, artifacts: Path
) -> None:
    submit_committed("live-link", "Live Link Department")
    control = f"http://localhost:{server_port}"
    context = office_screen(browser)
    page = context.new_page()
    page.goto(f"{control}/accounts/login/")
    sign_in(page, world.federal_admin_email)
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("link", name="Live Link Department").click()
    page.get_by_label("Partner").select_option(label=world.partner.name)
    page.get_by_label("Plan").select_option(label="Standard (up to 2,000 officers)")
    page.get_by_role("button", name="Approve and provision").click()
    expect(page.get_by_role("heading", name="Live Link Department")).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    card = page.locator("#provisioning")
    link = card.get_by_role("link", name=f"live-link.localhost:{server_port}")
    expect(link).to_be_visible(timeout=60_000)

    expect(card).to_contain_text("7 of 7 steps done")
    expect(page.locator(".page-head .badge")).to_have_text("Active")
    expect(page.locator("#tenant-address")).to_have_text("live-link.localhost")
    assert navigations == []  # all of it arrived by polling, not by a reload
    polls = []
    page.on("request", lambda request: polls.append(request.url))
    page.wait_for_timeout(2500)
    assert not [url for url in polls if "/provisioning/" in url]  # it stopped polling
    page.screenshot(path=artifacts / "console-provisioned-live.png", full_page=True)

    link.click()
    expect(page).to_have_url(re.compile(rf"^http://live-link\.localhost:{server_port}/"))
    expect(page.locator(".tenant-name")).to_have_text("Live Link Department")
    context.close()
