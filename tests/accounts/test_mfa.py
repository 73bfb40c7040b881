"""Two-factor authentication: required for federal administrators when production says so."""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import override_settings

from accounts.models import User
from tests.conftest import PASSWORD, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_federal_admin_without_totp_is_sent_to_enrol_by_the_emailed_link(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.get("/console/tenants/")

    assert response.status_code == 302
    # Enrolment opens from the e-mailed link only (tests/accounts/test_mfa_enrolment.py).
    assert response["Location"] == "/accounts/2fa/enrolment/"


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_federal_admin_signs_in_with_a_totp_code_and_reaches_the_console(world: World) -> None:
    secret = generate_totp_secret()
    TOTP.activate(User.objects.get(email=world.federal_admin_email), secret)
    client = client_for(world.control_host)

    password_step = client.post(
        "/accounts/login/", {"login": world.federal_admin_email, "password": PASSWORD}
    )
    assert password_step["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/console/tenants/").status_code == 302  # not signed in yet

    counter = next(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counter))
    code_step = client.post("/accounts/2fa/authenticate/", {"code": code})

    assert code_step.status_code == 302
    assert client.get("/console/tenants/").status_code == 200


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=False)
def test_local_demo_relaxes_the_rule_and_says_so(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.get("/console/tenants/")

    assert page.status_code == 200
    assert "two-factor authentication is not enforced" in page.content.decode()


@override_settings(REQUIRE_FEDERAL_ADMIN_MFA=True)
def test_officers_are_not_forced_but_can_turn_totp_on(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    assert client.get("/").status_code == 200
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
