"""Wrong passwords slow guessing down, but nobody can lock an officer out (accounts.login_throttle).

Limits per (account, client) pair cool down; per account, only untrusted browsers wait; per
address, a sprayer's failures never stop another officer's correct password; a dead cache
throttles nothing; the tenant's administrators see who is held back, and only their own.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from accounts import login_throttle
from accounts.models import User
from accounts.services import create_account
from tests.accounts.test_sessions import DEAD_REDIS
from tests.conftest import PASSWORD, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-1"
COOLING = "Too many wrong passwords for this account from this address"
WAITING = "Many wrong passwords were tried for this account from elsewhere"


def _address() -> str:
    return f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _post(client: Client, email: str, password: str, address: str) -> tuple[bool, str]:
    response = client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=address
    )
    assert response.status_code in {200, 302}
    return response.status_code == 302, response.content.decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(login_throttle, "_now", clock)
    yield clock


def _trusted_browser(world: World, email: str, address: str) -> Client:
    """A browser that signed in to `email` before, and signed out since."""
    client = client_for(world.punjab.host)
    signed_in, _ = _post(client, email, PASSWORD, address)
    assert signed_in
    client.post("/accounts/logout/", REMOTE_ADDR=address)
    assert login_throttle.device_cookie_name() in client.cookies
    return client


# --- The pair --------------------------------------------------------------------------------


def test_wrong_passwords_cool_that_account_down_from_that_address_only(world: World) -> None:
    target, other = world.punjab.officer_emails[0], world.punjab.officer_emails[1]
    office, home = _address(), _address()

    for _ in range(5):
        signed_in, page = _post(client_for(world.punjab.host), target, WRONG, office)
        assert not signed_in and COOLING not in page
    signed_in, page = _post(client_for(world.punjab.host), target, PASSWORD, office)

    assert not signed_in
    assert "Try again in 15 minutes, or reset your password." in page
    # The same account from another address, and another account from this one, sign in.
    assert _post(client_for(world.punjab.host), target, PASSWORD, home)[0]
    assert _post(client_for(world.punjab.host), other, PASSWORD, office)[0]


def test_the_cool_down_says_how_long_is_left_and_ends(world: World, clock: Clock) -> None:
    target, office = world.punjab.officer_emails[0], _address()
    for _ in range(5):
        _post(client_for(world.punjab.host), target, WRONG, office)

    clock.now += 14 * 60 + 1
    _, page = _post(client_for(world.punjab.host), target, PASSWORD, office)
    assert "Try again in 1 minute, or reset your password." in page

    clock.now += 60
    assert _post(client_for(world.punjab.host), target, PASSWORD, office)[0]


def test_the_cool_down_message_is_translated(world: World) -> None:
    target, office = world.punjab.officer_emails[0], _address()
    for _ in range(5):
        _post(client_for(world.punjab.host), target, WRONG, office)

    response = client_for(world.punjab.host).post(
        "/accounts/login/",
        {"login": target, "password": PASSWORD},
        REMOTE_ADDR=office,
        HTTP_ACCEPT_LANGUAGE="ur",
    )

    page = response.content.decode()
    assert COOLING not in page
    assert "اس نیٹ ورک پتے سے اس اکاؤنٹ کے لیے بہت زیادہ غلط پاس ورڈ" in page
    assert "15 منٹ بعد دوبارہ کوشش کریں" in page


def test_addresses_of_one_ipv6_subscriber_line_are_one_address(world: World) -> None:
    target, line = world.punjab.officer_emails[0], f"2001:db8:{secrets.randbelow(9999)}:7"
    for n in range(5):
        _post(client_for(world.punjab.host), target, WRONG, f"{line}::{n + 1}")

    _, page = _post(client_for(world.punjab.host), target, PASSWORD, f"{line}::99")
    assert COOLING in page
    assert _post(client_for(world.punjab.host), target, PASSWORD, "2001:db8:ffff:1::1")[0]


# --- The account -----------------------------------------------------------------------------


def test_others_failures_never_lock_out_a_trusted_browser_and_only_slow_untrusted_ones(
    world: World, clock: Clock
) -> None:
    officer, office = world.punjab.officer_emails[0], _address()
    own_browser = _trusted_browser(world, officer, office)

    # Someone types wrong passwords for the officer from ten addresses, five of them from the
    # office's own NAT address (where the officer's browser also is): that pair cools down.
    for n in range(10):
        _post(client_for(world.punjab.host), officer, WRONG, office if n < 5 else _address())

    # Past ten, each failure makes anyone else's browser wait longer: never a lock.
    waits = []
    for _ in range(4):
        clock.now += 600
        _post(client_for(world.punjab.host), officer, WRONG, _address())
        signed_in, page = _post(client_for(world.punjab.host), officer, PASSWORD, _address())
        assert not signed_in and WAITING in page
        waits.append(int(re.search(r"Try again in (\d+) second", page).group(1)))
    assert waits == [1, 2, 4, 8]
    clock.now += 600
    assert _post(client_for(world.punjab.host), officer, PASSWORD, _address())[0]

    # The officer's own browser, behind the attacked address, signs in at once.
    _post(client_for(world.punjab.host), officer, WRONG, _address())
    assert _post(own_browser, officer, PASSWORD, office)[0]


def test_a_trusted_browser_cools_down_on_its_own_wrong_passwords(world: World) -> None:
    officer, office = world.punjab.officer_emails[0], _address()
    own_browser = _trusted_browser(world, officer, office)

    for _ in range(5):
        _post(own_browser, officer, WRONG, office)
    signed_in, page = _post(own_browser, officer, PASSWORD, office)

    assert not signed_in
    assert "Too many wrong passwords for this account from this browser." in page


def test_a_device_cookie_of_another_tenant_is_not_trusted(world: World) -> None:
    officer, office = world.punjab.officer_emails[0], _address()
    punjab_browser = _trusted_browser(world, officer, office)
    name = login_throttle.device_cookie_name()
    with schema_context(world.sindh.tenant.schema_name):
        create_account(email=officer, full_name="Same address, other tenant", password=PASSWORD)
    sindh_browser = Client(HTTP_HOST=world.sindh.host)
    sindh_browser.cookies[name] = punjab_browser.cookies[name].value

    for _ in range(12):
        _post(Client(HTTP_HOST=world.sindh.host), officer, WRONG, _address())
    _, page = _post(sindh_browser, officer, PASSWORD, office)

    assert WAITING in page


# --- The address -----------------------------------------------------------------------------


@override_settings(LOGIN_THROTTLE={"ADDRESS_CEILING": 20})
def test_a_nat_address_full_of_failures_does_not_stop_another_officers_correct_password(
    world: World,
) -> None:
    nat, run = _address(), secrets.token_hex(3)
    guessed = [f"guess-{run}-{n}@punjab.example" for n in range(40)]
    for email in guessed:
        _post(client_for(world.punjab.host), email, WRONG, nat)

    # Past the ceiling, an account that failed from this address cools down at once ...
    _, page = _post(client_for(world.punjab.host), guessed[-1], WRONG, nat)
    assert COOLING in page
    # ... and every other officer behind it signs in with a correct password, untrusted or not.
    assert _post(client_for(world.punjab.host), world.punjab.officer_emails[1], PASSWORD, nat)[0]
    assert _post(client_for(world.punjab.host), world.punjab.admin_email, PASSWORD, nat)[0]


# --- A dead cache --------------------------------------------------------------------------


def test_sign_in_works_when_the_cache_is_unreachable(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        wrong, _ = _post(client_for(world.punjab.host), world.punjab.officer_email, WRONG, "")
        signed_in, _ = _post(
            client_for(world.punjab.host), world.punjab.officer_email, PASSWORD, _address()
        )

    assert not wrong and signed_in
    assert "Sign-in throttle skipped: the cache is unreachable." in caplog.text


# --- Who is affected ---------------------------------------------------------------------


def test_the_administrators_see_who_is_held_back_and_only_in_their_tenant(world: World) -> None:
    target, office = world.punjab.officer_emails[2], _address()
    for _ in range(5):
        _post(client_for(world.punjab.host), target, WRONG, office)
    for _ in range(11):
        _post(client_for(world.punjab.host), target, WRONG, _address())

    punjab = signed_in_client(world.punjab.host, world.punjab.admin_email).get("/manage/sign-ins/")
    sindh = signed_in_client(world.sindh.host, world.sindh.admin_email).get("/manage/sign-ins/")

    assert punjab.status_code == 200
    page = punjab.content.decode()
    assert target in page and office in page
    assert "Cooling down" in page and "Slowed down" in page
    assert sindh.status_code == 200
    assert target not in sindh.content.decode()
    assert "No sign-in is held back now." in sindh.content.decode()


def test_a_plain_officer_may_not_see_who_is_held_back(world: World) -> None:
    officer = signed_in_client(world.punjab.host, world.punjab.officer_emails[1])

    assert officer.get("/manage/sign-ins/").status_code == 403
    assert client_for(world.punjab.host).get("/manage/sign-ins/").status_code == 302


# --- Hashes ---------------------------------------------------------------------------------


def test_a_hash_made_with_other_parameters_is_upgraded_on_sign_in(world: World) -> None:
    email = f"rehash-{secrets.token_hex(3)}@punjab.example"
    with schema_context(world.punjab.tenant.schema_name):
        user = create_account(email=email, full_name="Old Hash", password=PASSWORD)
        # Django's own Argon2 parameters (100 MiB, 8 lanes), as an older release stored them.
        User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="argon2"))
        before = User.objects.get(pk=user.pk).password

    assert _post(client_for(world.punjab.host), email, PASSWORD, _address())[0]

    with schema_context(world.punjab.tenant.schema_name):
        after = User.objects.get(pk=user.pk).password
    assert "$m=19456,t=2,p=1$" not in before
    assert after.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
