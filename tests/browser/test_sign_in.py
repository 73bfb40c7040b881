"""An officer signs in to their e-office in Chromium; the session stays on that host."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD, World

# django_db makes pytest-django create the test database the server threads read.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def sign_in(page: Page, email: str) -> None:
    """Fills the sign-in form the page is on and submits it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def office_screen(browser: Browser) -> BrowserContext:
    """A fresh browser profile at the resolution of an office screen."""
    return browser.new_context(viewport={"width": 1366, "height": 768})


def test_officer_signs_in_and_the_session_stays_on_its_tenant(
    world: World, server_port: int, browser, artifacts: Path
) -> None:
    context = office_screen(browser)
    page = context.new_page()
    punjab = f"http://{world.punjab.host}:{server_port}"

    page.goto(f"{punjab}/")
    expect(page).to_have_url(f"{punjab}/accounts/login/?next=/")
    expect(page.locator(".tenant-name")).to_have_text("Test Punjab")
    page.screenshot(path=artifacts / "sign-in.png")
    sign_in(page, world.punjab.officer_email)

    expect(page.get_by_role("heading", name="Welcome, Officer")).to_be_visible()
    expect(page.locator(".who-name")).to_have_text("Officer 1 of Test Punjab")
    page.screenshot(path=artifacts / "eoffice-home.png")

    session = [c for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    assert [c["domain"] for c in session] == [world.punjab.host]  # host-only, no leading dot

    page.goto(f"http://{world.sindh.host}:{server_port}/")
    expect(page).to_have_url(f"http://{world.sindh.host}:{server_port}/accounts/login/?next=/")
    expect(page.locator(".tenant-name")).to_have_text("Test Sindh")
    context.close()


def test_federal_admin_console_in_chromium(
    world: World, server_port: int, browser, artifacts: Path
) -> None:
    context = office_screen(browser)
    page = context.new_page()

    page.goto(f"http://localhost:{server_port}/accounts/login/")
    sign_in(page, world.federal_admin_email)

    expect(page.get_by_role("heading", name="Tenants", exact=True)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text="Test Punjab")).to_have_count(1)
    expect(rows.filter(has_text="Test Sindh")).to_have_count(1)
    page.screenshot(path=artifacts / "console-tenants.png", full_page=True)

    page.get_by_role("link", name="Test Punjab").click()
    expect(page.get_by_role("heading", name="Test Punjab", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Suspend Test Punjab")).to_be_visible()
    page.screenshot(path=artifacts / "console-tenant.png", full_page=True)
    context.close()


def test_unknown_host_page_in_chromium(
    world: World, server_port: int, browser, artifacts: Path
) -> None:
    page = browser.new_page()

    response = page.goto(f"http://nowhere.localhost:{server_port}/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading")).to_have_text("There is no e-office at this address")
    page.screenshot(path=artifacts / "unknown-host.png")
    page.close()
