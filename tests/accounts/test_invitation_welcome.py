"""Following an invitation: a welcome to the organisation's e-office, not the stock "Change
password" page, ending on the sign-in page with one message. A password reset keeps its words."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account
from provisioning.invitation import invitation_link
from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Welcome-Aboard-2026"


def messages_on(page_html: str) -> list[str]:
    return [
        unescape(text).strip()
        for text in re.findall(r'<li class="message[^"]*">(.*?)</li>', page_html, re.S)
    ]


def open_link(client: Client, link: str) -> str:
    """Follows an e-mailed set-password link; returns the set-password form's address."""
    path = re.sub(r"^https?://[^/]+", "", link)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    return response.redirect_chain[-1][0]


def test_an_invited_officer_is_welcomed_and_lands_on_sign_in(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        invited = create_account(email="new.officer@punjab.example", full_name="Nadia New")
        link = invitation_link(world.punjab.tenant, invited)
    client = client_for(world.punjab.host)

    form_url = open_link(client, link)
    page = unescape(client.get(form_url).content.decode())
    assert "Welcome to Test Punjab's e-office" in page
    assert "new.officer@punjab.example" in page
    assert "Change Password" not in page

    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/login/"
    sign_in = client.get(done["Location"]).content.decode()
    assert messages_on(sign_in) == [
        "Your password is set. Sign in to Test Punjab's e-office with "
        "new.officer@punjab.example and your new password."
    ]
    assert signed_in_client(world.punjab.host, invited.email, NEW_PASSWORD)


def test_an_ordinary_password_reset_keeps_its_own_wording(world: World) -> None:
    client = client_for(world.punjab.host)
    client.post("/accounts/password/reset/", {"email": world.punjab.officer_email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body)
    assert link

    form_url = open_link(client, link.group(0))
    page = unescape(client.get(form_url).content.decode())
    assert "Change Password" in page
    assert "Welcome to" not in page

    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/password/reset/key/done/"
    with schema_context(world.punjab.tenant.schema_name):
        assert User.objects.get(email=world.punjab.officer_email).check_password(NEW_PASSWORD)
