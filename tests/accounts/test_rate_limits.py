"""A whole office signs in from one address; guessing one account's password is still held back
(accounts.login_throttle; tests/accounts/test_login_throttle.py has the rest of its rules)."""

import pytest
from django_tenants.utils import schema_context

from accounts.services import create_account
from tests.conftest import PASSWORD, World, client_for

pytestmark = pytest.mark.django_db

OFFICE_SIZE = 40  # above allauth's default of 30 sign-ins per minute per IP, which is off


def test_a_whole_office_signs_in_from_one_address_within_a_minute(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        emails = [
            create_account(
                email=f"clerk{n}@punjab.example", full_name=f"Clerk {n}", password=PASSWORD
            ).email
            for n in range(OFFICE_SIZE)
        ]

    statuses = [
        client_for(world.punjab.host)
        .post("/accounts/login/", {"login": email, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
        .status_code
        for email in emails
    ]

    assert statuses == [302] * OFFICE_SIZE


def test_repeated_wrong_passwords_hold_back_that_account_from_that_address_only(
    world: World,
) -> None:
    client = client_for(world.punjab.host)
    target, other = world.punjab.officer_emails[0], world.punjab.officer_emails[1]

    for _ in range(5):
        client.post("/accounts/login/", {"login": target, "password": "wrong-password-1"})
    held = client.post("/accounts/login/", {"login": target, "password": PASSWORD})
    elsewhere = client_for(world.punjab.host).post(
        "/accounts/login/", {"login": target, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    unaffected = client.post("/accounts/login/", {"login": other, "password": PASSWORD})

    assert held.status_code == 200
    assert "Too many wrong passwords for this account from this address." in held.content.decode()
    assert not held.wsgi_request.user.is_authenticated
    # Not a lock of the account: the officer signs in from another address.
    assert elsewhere.status_code == 302
    assert unaffected.status_code == 302
