"""A whole office signs in from one address; guessing one account's password is still stopped."""

import pytest
from django_tenants.utils import schema_context

from accounts.services import create_account
from tests.conftest import PASSWORD, World, client_for

pytestmark = pytest.mark.django_db

OFFICE_SIZE = 40  # above allauth's default of 30 sign-ins per minute per IP


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


def test_repeated_wrong_passwords_lock_that_account_only(world: World) -> None:
    client = client_for(world.punjab.host)
    target, other = world.punjab.officer_emails[0], world.punjab.officer_emails[1]

    for _ in range(5):
        client.post("/accounts/login/", {"login": target, "password": "wrong-password-1"})
    locked = client.post("/accounts/login/", {"login": target, "password": PASSWORD})
    unaffected = client.post("/accounts/login/", {"login": other, "password": PASSWORD})

    assert locked.status_code in {200, 429}
    assert "Too many failed login attempts" in locked.content.decode()
    assert not locked.wsgi_request.user.is_authenticated
    assert unaffected.status_code == 302
