"""Before two-factor enrolment a federal administrator's password opens nothing but sign-in,
sign-out and the page that e-mails the enrolment link; the link (control plane only) opens the
enrolment. (The link replayed on a tenant's host: tests/accounts/test_tokens.py.)"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from allauth import urls as allauth_urls
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver

from accounts.models import User
from accounts.selectors import has_totp
from accounts.tokens import make_mfa_enrolment_key
from tests.conftest import PASSWORD, Worker, World, client_for, mails_in, signed_in_client

pytestmark = pytest.mark.django_db

ENROLMENT = "/accounts/2fa/enrolment/"
ACTIVATE = "/accounts/2fa/totp/activate/"
# What the password alone may still open (url names of allauth.urls).
OPEN_BEFORE_ENROLMENT = {"account_login", "account_logout"}
# Values that satisfy each kind of URL parameter allauth uses.
SAMPLE = {"uidb36": "1z", "key": "1z-abc123", "pk": "1", "provider_id": "x"}


def allauth_pages(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "/accounts/"
) -> Iterator[tuple[str, str]]:
    """(url name, path) of every page allauth serves here, parameters filled with samples."""
    for entry in allauth_urls.urlpatterns if patterns is None else patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from allauth_pages(entry.url_patterns, prefix + route)
            continue
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE.get(m[1], "abc123"), route)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m[1], "abc123"), path)
        yield str(entry.name), prefix + path


@pytest.fixture
def unenrolled(world: World) -> Iterator[Client]:
    with override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True):
        yield signed_in_client(world.control_host, world.federal_admin_email)


def test_the_walk_finds_allauths_pages() -> None:
    names = {name for name, _ in allauth_pages()}
    assert {"account_email", "account_change_password", "mfa_activate_totp"} <= names
    assert len(names) > 20


def test_a_password_alone_opens_no_account_page_before_enrolment(
    world: World, unenrolled: Client
) -> None:
    admin = User.objects.get(email=world.federal_admin_email)
    password_hash = admin.password
    reached = []
    for name, path in allauth_pages():
        if name in OPEN_BEFORE_ENROLMENT:
            continue
        for method in (unenrolled.get, unenrolled.post):
            response = method(
                path,
                {
                    "email": "attacker@evil.example",
                    "action_add": "",
                    "oldpassword": PASSWORD,
                    "password": PASSWORD,
                    "password1": "Attacker-Pass-2026",
                    "password2": "Attacker-Pass-2026",
                    "code": "123456",
                },
            )
            if response.status_code != 302 or response["Location"] != ENROLMENT:
                reached.append(f"{method.__name__.upper()} {path} ({name}): {response.status_code}")
    assert reached == []
    admin.refresh_from_db()
    assert admin.password == password_hash
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()
    assert not has_totp(admin)
    # ... nor the console.
    assert unenrolled.get("/console/tenants/")["Location"] == ENROLMENT


def test_sign_in_and_sign_out_stay_open(world: World, unenrolled: Client) -> None:
    page = unenrolled.get(ENROLMENT)
    assert page.status_code == 200
    assert "link e-mailed to" in page.content.decode()
    assert unenrolled.get("/accounts/logout/").status_code == 200
    assert unenrolled.post("/accounts/logout/")["Location"] == "/accounts/login/"


def enrolment_link_in(worker: Worker, email: str, after: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in mails_in(worker.mail_dir)[after:]:
            if f"To: {email}" in message and "two-factor" in message:
                match = re.search(
                    r"http://localhost(?::\d+)?(/accounts/2fa/enrolment/\S+/)", message
                )
                assert match, message
                return match.group(1)
        time.sleep(0.2)
    raise AssertionError("No enrolment link was sent.")


def activate_totp(client: Client) -> None:
    """Sets up TOTP in a session the link opened (allauth asks for the password again first)."""
    form = client.get(ACTIVATE)
    if form.status_code == 302 and form["Location"].startswith("/accounts/reauthenticate/"):
        confirmed = client.post(form["Location"], {"password": PASSWORD})
        assert confirmed["Location"] == ACTIVATE, confirmed.status_code
        form = client.get(ACTIVATE)
    assert form.status_code == 200, form.get("Location")
    secret = form.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(counters())))
    done = client.post(ACTIVATE, {"code": code})
    assert done.status_code == 302, done.content.decode()[:2000]


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_enrolment_through_the_emailed_link(world: World, celery_worker: Worker) -> None:
    before = len(mails_in(celery_worker.mail_dir))
    client = signed_in_client(world.control_host, world.federal_admin_email)
    assert client.get(ACTIVATE)["Location"] == ENROLMENT  # not without the link

    sent = client.post(ENROLMENT, follow=True)
    assert f"We sent the link to {world.federal_admin_email}" in sent.content.decode()
    path = enrolment_link_in(celery_worker, world.federal_admin_email, before)

    opened = client.get(path)
    assert opened["Location"] == ACTIVATE
    activate_totp(client)

    admin = User.objects.get(email=world.federal_admin_email)
    assert has_totp(admin)
    assert client.get("/console/tenants/").status_code == 200
    # Enrolling changed the account: the link no longer opens anything.
    assert client_for(world.control_host).get(path).status_code == 400


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_the_link_still_needs_the_password(world: World) -> None:
    admin = User.objects.get(email=world.federal_admin_email)
    path = f"{ENROLMENT}{make_mfa_enrolment_key(admin)}/"
    client = client_for(world.control_host)

    opened = client.get(path)
    assert opened["Location"] == f"/accounts/login/?next={ACTIVATE.replace('/', '%2F')}"
    assert client.get(ACTIVATE)["Location"].startswith("/accounts/login/")
    signed_in = client.post(
        opened["Location"], {"login": world.federal_admin_email, "password": PASSWORD}
    )
    assert signed_in["Location"] == ACTIVATE
    activate_totp(client)
    assert has_totp(admin)


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_one_administrators_link_opens_nothing_for_another(world: World) -> None:
    other = User.objects.create_user(
        email="second.federal@board.example", full_name="Second", password=PASSWORD, is_staff=True
    )
    path = f"{ENROLMENT}{make_mfa_enrolment_key(other)}/"
    client = signed_in_client(world.control_host, world.federal_admin_email)

    client.get(path)  # signs the first administrator out: the link is not theirs
    client.post("/accounts/login/", {"login": world.federal_admin_email, "password": PASSWORD})
    assert client.get(ACTIVATE)["Location"] == ENROLMENT


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True, FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT=-1)
def test_an_expired_link_is_refused(world: World) -> None:
    admin = User.objects.get(email=world.federal_admin_email)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.get(f"{ENROLMENT}{make_mfa_enrolment_key(admin)}/")

    assert response.status_code == 400
    assert client.get(ACTIVATE)["Location"] == ENROLMENT
