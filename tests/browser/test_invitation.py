"""An invited officer follows the invitation link in Chromium: a welcome to their tenant's
e-office, a password, and the sign-in page with one message; then they sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect
from pytest_django import DjangoDbBlocker

from accounts.services import create_account
from provisioning.invitation import invitation_link
from tests.browser.test_sign_in import office_screen
from tests.conftest import World, make_test_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

EMAIL = "iqra@invited.example"
NEW_PASSWORD = "Chromium-Welcome-2026"


@dataclass
class Invitation:
    host: str
    path: str  # of the invitation link


@pytest.fixture(scope="module")
def invitation(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Invitation]:
    """A tenant of its own with a freshly invited officer, committed so the server's threads see
    it (and no other test's tenant gains an account)."""
    with django_db_blocker.unblock():
        made = make_test_tenant(subdomain="invited", name="Test Invited", partner=None, officers=0)
        with schema_context(made.tenant.schema_name):
            officer = create_account(email=EMAIL, full_name="Iqra Invited")
            link = invitation_link(made.tenant, officer)
    yield Invitation(host=made.host, path=re.sub(r"^https?://[^/]+", "", link))


def test_an_invited_officer_sets_a_password_and_signs_in(
    server_port: int, browser: Browser, invitation: Invitation, artifacts: Path
) -> None:
    context = office_screen(browser)
    page = context.new_page()
    tenant = f"http://{invitation.host}:{server_port}"

    page.goto(tenant + invitation.path)
    welcome = "Welcome to Test Invited's e-office"
    expect(page.get_by_role("heading", name=welcome)).to_be_visible()
    expect(page).to_have_title(re.compile(welcome))
    expect(page.get_by_text(EMAIL)).to_be_visible()
    expect(page.get_by_role("heading", name="Change Password")).to_have_count(0)
    page.screenshot(path=artifacts / "invitation-welcome.png", full_page=True)

    page.get_by_label("New Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(f"{tenant}/accounts/login/")
    messages = page.locator(".messages .message")
    expect(messages).to_have_count(1)
    expect(messages).to_have_text(
        f"Your password is set. Sign in to Test Invited's e-office with {EMAIL} and your new "
        "password."
    )
    page.screenshot(path=artifacts / "invitation-sign-in.png", full_page=True)

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who-name")).to_have_text("Iqra Invited")
    context.close()
