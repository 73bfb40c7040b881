"""An invited officer follows the invitation link in Chromium: a welcome to their tenant's
e-office, a password, and the sign-in page with one message; then they sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect
from pytest_django import DjangoDbBlocker

from accounts.services import create_account
from provisioning.invitation import invitation_link
from tests.browser.test_sign_in import office_screen
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

EMAIL = "invited.in.chromium@punjab.example"
NEW_PASSWORD = "Chromium-Welcome-2026"


@pytest.fixture(scope="module")
def invitation_path(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The path of a fresh officer's invitation link, committed so the server's threads see it."""
    with django_db_blocker.unblock(), schema_context(world.punjab.tenant.schema_name):
        officer = create_account(email=EMAIL, full_name="Iqra Invited")
        link = invitation_link(world.punjab.tenant, officer)
    yield re.sub(r"^https?://[^/]+", "", link)


def test_an_invited_officer_sets_a_password_and_signs_in(
    world: World, server_port: int, browser: Browser, invitation_path: str, artifacts: Path
) -> None:
    context = office_screen(browser)
    page = context.new_page()
    punjab = f"http://{world.punjab.host}:{server_port}"

    page.goto(punjab + invitation_path)
    welcome = "Welcome to Test Punjab's e-office"
    expect(page.get_by_role("heading", name=welcome)).to_be_visible()
    expect(page).to_have_title(re.compile(welcome))
    expect(page.get_by_text(EMAIL)).to_be_visible()
    expect(page.get_by_role("heading", name="Change Password")).to_have_count(0)
    page.screenshot(path=artifacts / "invitation-welcome.png", full_page=True)

    page.get_by_label("New Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(f"{punjab}/accounts/login/")
    messages = page.locator(".messages .message")
    expect(messages).to_have_count(1)
    expect(messages).to_have_text(
        f"Your password is set. Sign in to Test Punjab's e-office with {EMAIL} and your new "
        "password."
    )
    page.screenshot(path=artifacts / "invitation-sign-in.png", full_page=True)

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who-name")).to_have_text("Iqra Invited")
    context.close()
