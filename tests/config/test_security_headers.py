"""Every page carries a Content-Security-Policy without inline scripts; private pages no-store."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response: HttpResponse) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_strict_policy(response: HttpResponse) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    # Scripts only from our own files: no inline script, no eval, nothing from elsewhere.
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("localhost", "/"),
        ("localhost", "/apply/"),
        ("localhost", "/accounts/login/"),
        ("localhost", "/no-such-page/"),
        ("punjab.localhost", "/accounts/login/"),
        ("punjab.localhost", "/accounts/password/reset/"),
        ("punjab.localhost", "/no-such-page/"),
        ("nowhere.localhost", "/"),  # the unknown-host page
        ("localhost", "/healthz"),
    ],
)
def test_every_page_has_a_content_security_policy(world: World, host: str, path: str) -> None:
    assert_strict_policy(client_for(host).get(path))


def _private_pages(world: World) -> list[tuple[Client, str, dict[str, str]]]:
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    federal = signed_in_client(world.control_host, world.federal_admin_email)
    partner = signed_in_client(world.control_host, world.partner_user_email)
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [
        (officer, "/", {}),
        (officer, "/inbox/", {}),
        (officer, "/inbox/", htmx),  # a partial swapped into a private page is private too
        (officer, "/receipts/", {}),
        (officer, "/directory/", {}),
        (officer, "/accounts/password/change/", {}),
        (officer, "/no-such-page/", {}),
        (admin, "/manage/", {}),
        (federal, "/console/tenants/", {}),
        (federal, "/console/applications/", {}),
        (federal, "/console/billing/", {}),
        (federal, "/console/billing/plans/", {}),
        (partner, f"/console/partner/{world.partner.pk}/", {}),
        (partner, f"/console/partner/{world.partner.pk}/invoices/", {}),
        (partner, f"/console/partner/{world.partner.pk}/staff/", {}),
    ]


def test_signed_in_pages_of_both_planes_are_never_stored(world: World) -> None:
    answered = []
    for client, path, meta in _private_pages(world):
        response = client.get(path, **meta)
        answered.append(response.status_code)
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, (path, response["Cache-Control"])
        assert_strict_policy(response)

    assert answered == [200] * 6 + [404] + [200] * 8


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(
    # A <script> without src (a data block of type application/json executes nothing), an
    # event-handler attribute, or a javascript: URL.
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    r"|\son[a-z]+\s*=\s*[\"']"
    r"|javascript:",
    re.IGNORECASE,
)
# A style attribute or a <style> element: the policy allows styles from static files only.
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle=|<style[\s>]")


def test_no_template_has_an_inline_script() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        for match in INLINE_SCRIPT.finditer(path.read_text())
    }

    assert found == set()
    assert (ROOT / "static" / "js" / "app.js").exists()


def test_no_template_has_an_inline_style_and_the_policy_allows_none() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        for match in INLINE_STYLE.finditer(path.read_text())
    }

    assert found == set()
    assert "'unsafe-inline'" not in str(settings.SECURE_CSP)


def test_the_policy_is_the_configured_one(world: World) -> None:
    response = client_for("localhost").get("/")

    assert policy(response) == settings.SECURE_CSP
