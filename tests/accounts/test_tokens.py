"""Every token is bound to its tenant (architecture rule 6).

The same account (same row id, e-mail and password hash) exists in Punjab, in Sindh and on the
control plane, and all of them share one SECRET_KEY: each kind of token minted on Punjab is
replayed on Sindh and on the control plane and refused there, and still works on Punjab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.account import forms as allauth_forms
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import User
from accounts.services import create_account
from accounts.tokens import TenantPasswordResetTokenGenerator, make_mfa_enrolment_key
from provisioning.invitation import invitation_link
from tests.conftest import PASSWORD, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TWIN = "twin@twins.example"
PENDING = "second@twins.example"


@dataclass
class Twins:
    """One account, identical in every respect, in three schemas."""

    world: World
    user_id: int
    hosts: dict[str, str]  # schema -> host

    @property
    def punjab(self) -> str:
        return self.world.punjab.host

    @property
    def elsewhere(self) -> list[str]:
        return [self.world.sindh.host, self.world.control_host]

    def schemas(self) -> list[str]:
        return list(self.hosts)


def align_account_sequences(schemas: list[str]) -> None:
    """Sets the id sequences of the account tables of every schema to one next value, so the
    rows made next get the same ids everywhere. (Sequences are not rolled back; harmless.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename, coalesce(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = ANY(%s) AND (sequencename LIKE 'account%%' "
            "OR sequencename LIKE 'mfa%%')",
            [schemas],
        )
        sequences = cursor.fetchall()
        start = max(last for _, _, last in sequences) + 1000
        for schema, name, _ in sequences:
            cursor.execute(
                "SELECT setval(format('%%I.%%I', %s, %s), %s, false)", [schema, name, start]
            )


@pytest.fixture
def twins(world: World) -> Iterator[Twins]:
    hosts = {
        world.punjab.tenant.schema_name: world.punjab.host,
        world.sindh.tenant.schema_name: world.sindh.host,
        get_public_schema_name(): world.control_host,
    }
    align_account_sequences(list(hosts))
    ids, password = set(), None
    for schema in hosts:
        with schema_context(schema):
            user = create_account(email=TWIN, full_name="Tariq Twin", password=PASSWORD)
            # One password hash for all: a token hashing it is the same string everywhere.
            password = password or user.password
            User.objects.filter(pk=user.pk).update(password=password)
            ids.add(user.pk)
    assert len(ids) == 1, "the schemas' account ids are not aligned"
    yield Twins(world=world, user_id=ids.pop(), hosts=hosts)


def link_path(text: str, host: str) -> str:
    match = re.search(rf"http://{re.escape(host)}(?::\d+)?(/accounts/\S+)", text)
    assert match, text
    return match.group(1)


def test_password_reset_link_opens_only_on_its_own_tenant(twins: Twins) -> None:
    client_for(twins.punjab).post("/accounts/password/reset/", {"email": TWIN})
    path = link_path(mail.outbox[-1].body, twins.punjab)

    for host in twins.elsewhere:
        replay = client_for(host).get(path, follow=True)
        assert "Bad Token" in replay.content.decode(), host
        assert "password1" not in replay.content.decode(), host

    own = client_for(twins.punjab)
    form = own.get(path, follow=True)
    assert "password1" in form.content.decode()
    done = own.post(
        form.redirect_chain[-1][0],
        {"password1": "A-New-Password-2026", "password2": "A-New-Password-2026"},
    )
    assert done.status_code == 302
    with schema_context(twins.world.punjab.tenant.schema_name):
        assert User.objects.get(pk=twins.user_id).check_password("A-New-Password-2026")


def test_invitation_link_opens_only_on_its_own_tenant(twins: Twins) -> None:
    # An invited account has no password yet; the unusable marker is copied too.
    for schema in twins.schemas():
        with schema_context(schema):
            User.objects.filter(pk=twins.user_id).update(password="!never-set-the-same-marker")
    with schema_context(twins.world.punjab.tenant.schema_name):
        invited = User.objects.get(pk=twins.user_id)
        path = link_path(invitation_link(twins.world.punjab.tenant, invited), twins.punjab)

    for host in twins.elsewhere:
        replay = client_for(host).get(path, follow=True)
        assert "Bad Token" in replay.content.decode(), host

    own = client_for(twins.punjab).get(path, follow=True)
    assert "Welcome to Test Punjab" in own.content.decode()


def test_email_confirmation_link_opens_only_on_its_own_tenant(twins: Twins) -> None:
    punjab = signed_in_client(twins.punjab, TWIN)
    punjab.post("/accounts/email/", {"email": PENDING, "action_add": ""})
    path = link_path(mail.outbox[-1].body, twins.punjab)
    # The same pending address, at the same id, in the other schemas.
    ids = set()
    for schema in twins.schemas():
        with schema_context(schema):
            address, _ = EmailAddress.objects.get_or_create(
                user_id=twins.user_id, email=PENDING, defaults={"verified": False}
            )
            ids.add(address.pk)
    assert len(ids) == 1, "the schemas' address ids are not aligned"

    for schema, host in twins.hosts.items():
        if host == twins.punjab:
            continue
        page = client_for(host).get(path)
        assert PENDING not in page.content.decode(), host
        client_for(host).post(path)
        with schema_context(schema):
            assert not EmailAddress.objects.get(email=PENDING).verified, host

    page = punjab.get(path)
    assert PENDING in page.content.decode()
    punjab.post(path)
    with schema_context(twins.world.punjab.tenant.schema_name):
        assert EmailAddress.objects.get(email=PENDING).verified


def test_messages_cookie_is_read_only_on_its_own_tenant(twins: Twins) -> None:
    punjab = signed_in_client(twins.punjab, TWIN)
    signed_out = punjab.post("/accounts/logout/")
    cookie = signed_out.cookies["messages"].value
    assert cookie

    def shown_on(host: str) -> bool:
        client = client_for(host)
        client.cookies["messages"] = cookie
        return "You have signed out." in client.get("/accounts/login/").content.decode()

    for host in twins.elsewhere:
        assert not shown_on(host), host
    assert shown_on(twins.punjab)


def test_mfa_enrolment_link_opens_only_on_its_own_host(twins: Twins) -> None:
    for schema in twins.schemas():
        with schema_context(schema):
            User.objects.filter(pk=twins.user_id).update(is_staff=True)
    with schema_context(get_public_schema_name()):
        key = make_mfa_enrolment_key(User.objects.get(pk=twins.user_id))
    path = f"/accounts/2fa/enrolment/{key}/"

    for host in (twins.world.punjab.host, twins.world.sindh.host):
        assert client_for(host).get(path).status_code == 400, host
    own = client_for(twins.world.control_host).get(path)
    assert own.status_code == 302
    assert own["Location"].startswith("/accounts/login/")


def test_state_allauth_keeps_between_requests_stays_on_its_tenant(twins: Twins) -> None:
    """Pending reset keys, the pending two-factor step and reauthentication live in the
    session, which lives in the schema: the session cookie carries none of it elsewhere."""
    client_for(twins.punjab).post("/accounts/password/reset/", {"email": TWIN})
    reset = client_for(twins.punjab)
    reset.get(link_path(mail.outbox[-1].body, twins.punjab))  # the key goes into the session
    uid = link_path(mail.outbox[-1].body, twins.punjab).split("/")[-2].split("-")[0]
    set_password = f"/accounts/password/reset/key/{uid}-set-password/"
    assert "password1" in reset.get(set_password).content.decode()

    with schema_context(twins.world.punjab.tenant.schema_name):
        TOTP.activate(User.objects.get(pk=twins.user_id), generate_totp_secret())
    pending = client_for(twins.punjab)
    step = pending.post("/accounts/login/", {"login": TWIN, "password": PASSWORD})
    assert step["Location"] == "/accounts/2fa/authenticate/"

    for host in twins.elsewhere:
        for stolen, path in ((reset, set_password), (pending, "/accounts/2fa/authenticate/")):
            thief = Client(HTTP_HOST=host)
            thief.cookies[settings.SESSION_COOKIE_NAME] = stolen.cookies[
                settings.SESSION_COOKIE_NAME
            ].value
            response = thief.get(path)
            assert "password1" not in response.content.decode(), (host, path)
            assert "Authenticator code" not in response.content.decode(), (host, path)
            assert not response.wsgi_request.user.is_authenticated


def test_every_builder_of_reset_links_uses_the_tenant_bound_generator() -> None:
    for generator in (
        allauth_forms.default_token_generator,  # the reset form's, and the invitations'
        allauth_forms.UserTokenForm.token_generator,  # the one that checks the links
    ):
        assert isinstance(generator, TenantPasswordResetTokenGenerator)
    assert settings.MESSAGE_STORAGE == "accounts.tokens.TenantMessageStorage"
    # allauth's "trust this browser" cookie is signed with the shared key alone.
    assert not mfa_settings.TRUST_ENABLED


UNBOUND_SIGNING = re.compile(
    r"django\.core\.signing|from django\.core import signing|\bSigner\(|TimestampSigner|"
    r"salted_hmac|get_signed_cookie|set_signed_cookie|django\.contrib\.auth\.tokens|"
    r"PasswordResetTokenGenerator\("
)


def test_nothing_signs_or_hashes_a_token_outside_the_tenant_bound_helper() -> None:
    """A new signed link or cookie must go through accounts.tokens, which binds it."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", ".tools", "tests", "node_modules"}:
            continue
        if relative == Path("accounts/tokens.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if UNBOUND_SIGNING.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
