"""One client-address rule: forwarded headers count only from TRUSTED_PROXIES, everywhere.

A client that is not a trusted proxy chooses neither the address its actions are recorded
under (audit trail), nor the one its failed sign-ins are counted under (rate limits), nor the
scheme its request is taken for (SECURE_PROXY_SSL_HEADER).
"""

import re
import secrets
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings
from django_tenants.utils import schema_context

from config.client_address import client_address
from eoffice.models import OrgChange
from eoffice.services.audit import Origin
from tests.conftest import World, client_for, signed_in_client

ROOT = Path(__file__).resolve().parents[2]
PROXIES = ["10.0.0.0/16", "2001:db8:ffff::/48"]
LOAD_BALANCER = "10.0.3.4"


def _random_address(prefix: str = "198.18") -> str:
    # Rate-limit counters live in the shared cache across runs: every test counts afresh.
    return f"{prefix}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # No proxies trusted: the peer, whatever it claims about others.
        ("192.0.2.10", "", "192.0.2.10"),
        ("192.0.2.10", "203.0.113.5", "192.0.2.10"),
        ("192.0.2.10", "203.0.113.5, 10.0.3.4", "192.0.2.10"),
        # A trusted balancer appends the address it saw; what the client sent comes before.
        (LOAD_BALANCER, "203.0.113.5", "203.0.113.5"),
        (LOAD_BALANCER, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # Past every trusted hop, to the first that is not ours.
        (LOAD_BALANCER, "1.2.3.4, 203.0.113.5, 10.0.9.9", "203.0.113.5"),
        # A balancer's own request (a probe), or every hop trusted: the leftmost trusted one.
        (LOAD_BALANCER, "", LOAD_BALANCER),
        (LOAD_BALANCER, "10.0.7.7, 10.0.9.9", "10.0.7.7"),
        # Garbage stops the walk at the last address a trusted proxy vouched for.
        (LOAD_BALANCER, "203.0.113.5, not-an-address", LOAD_BALANCER),
        (LOAD_BALANCER, "not-an-address, 203.0.113.5", "203.0.113.5"),
        # Ports and IPv6, as some balancers write them.
        (LOAD_BALANCER, "203.0.113.5:4711", "203.0.113.5"),
        (LOAD_BALANCER, "[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8:ffff::1", "2001:db8::7", "2001:db8::7"),
        ("::ffff:10.0.3.4", "203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_address_trusts_forwarded_hops_only_from_trusted_proxies(
    peer: str, forwarded: str, client: str
) -> None:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    trusted = PROXIES if peer != "192.0.2.10" else []

    with override_settings(TRUSTED_PROXIES=trusted):
        assert client_address(request) == client
        assert Origin.of(request).ip_address == client


def test_nothing_else_reads_the_peer_or_forwarded_headers() -> None:
    """The class, not the instance: a second reader of these headers is a second rule."""
    reading = re.compile(
        r"REMOTE_ADDR|HTTP_X_FORWARDED|HTTP_FORWARDED|HTTP_X_REAL_IP"
        r"|headers\b.{0,10}[\"'](x-forwarded|forwarded|x-real-ip)",
        re.IGNORECASE,
    )
    # settings.py only names the proto header for Django (SECURE_PROXY_SSL_HEADER).
    allowed = {"config/client_address.py", "config/settings.py"}
    apps = ("accounts", "billing", "config", "console", "eoffice", "provisioning", "tenants")
    readers = [
        str(path.relative_to(ROOT))
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        if reading.search(path.read_text()) and str(path.relative_to(ROOT)) not in allowed
    ]

    assert readers == []


# --- The audit trail -------------------------------------------------------------------------


def _add_category(world: World, **meta: str) -> str | None:
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    code = "C" + secrets.token_hex(3).upper()
    admin.post("/manage/settings/categories/", {"code": code, "name": code}, **meta)
    with schema_context(world.punjab.tenant.schema_name):
        change = OrgChange.objects.get(
            action=OrgChange.Action.CATEGORY_ADDED, summary__contains=code
        )
    return change.ip_address


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_change_the_audited_address(world: World) -> None:
    peer = _random_address()
    with override_settings(TRUSTED_PROXIES=PROXIES):
        recorded = _add_category(world, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="203.0.113.66")

    assert recorded == peer


@pytest.mark.django_db
def test_a_trusted_proxys_forwarded_for_is_the_audited_address(world: World) -> None:
    with override_settings(TRUSTED_PROXIES=PROXIES):
        recorded = _add_category(
            world, REMOTE_ADDR=LOAD_BALANCER, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66"
        )

    assert recorded == "203.0.113.66"


# --- Rate limits -----------------------------------------------------------------------------

HELD_BACK = "Too many wrong passwords for this account"


def _failed_sign_ins(
    world: World, attempts: int, *, same_account: bool, **meta: object
) -> list[bool]:
    """Wrong passwords, for one account or a new one each time; True for each attempt that
    was held back (accounts.login_throttle cools an account and address pair down after 5)."""
    run = secrets.token_hex(4)
    blocked = []
    for n in range(attempts):
        extra = {key: value(n) if callable(value) else value for key, value in meta.items()}
        account = f"guess-{run}{'' if same_account else f'-{n}'}@punjab.example"
        response = client_for(world.punjab.host).post(
            "/accounts/login/", {"login": account, "password": "wrong-password-1"}, **extra
        )
        assert response.status_code == 200
        blocked.append(HELD_BACK in response.content.decode())
    return blocked


@pytest.mark.django_db
def test_a_new_forged_forwarded_for_each_time_does_not_evade_the_sign_in_limit(
    world: World,
) -> None:
    peer = _random_address()

    # Production used to tell allauth to take the last X-Forwarded-For hop from any sender;
    # whatever allauth's own setting says, the platform's rule decides.
    with override_settings(TRUSTED_PROXIES=PROXIES, ALLAUTH_TRUSTED_PROXY_COUNT=1):
        blocked = _failed_sign_ins(
            world,
            8,
            same_account=True,
            REMOTE_ADDR=peer,
            HTTP_X_FORWARDED_FOR=lambda n: f"203.0.{n // 250}.{n % 250 + 1}",
        )

    assert blocked == [False] * 5 + [True] * 3


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_is_counted_apart(world: World) -> None:
    one_client = _random_address("198.19")
    prefix = f"198.18.{secrets.randbelow(256)}"

    # What a client prepends is not its address: the balancer's own hop is.
    forging = _failed_sign_ins(
        world,
        7,
        same_account=True,
        REMOTE_ADDR=LOAD_BALANCER,
        HTTP_X_FORWARDED_FOR=lambda n: f"203.0.113.{n + 1}, {one_client}",
    )
    # Seven clients behind the same balancer are seven pairs for the same account.
    clients = _failed_sign_ins(
        world,
        7,
        same_account=True,
        REMOTE_ADDR=LOAD_BALANCER,
        HTTP_X_FORWARDED_FOR=lambda n: f"{prefix}.{n + 1}",
    )

    assert forging == [False] * 5 + [True] * 2
    assert clients == [False] * 7


# --- The scheme ------------------------------------------------------------------------------


@override_settings(
    TRUSTED_PROXIES=PROXIES,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
)
@pytest.mark.django_db
@pytest.mark.parametrize(("peer", "secure"), [("192.0.2.10", False), (LOAD_BALANCER, True)])
def test_forwarded_proto_counts_only_from_a_trusted_proxy(
    world: World, peer: str, secure: bool
) -> None:
    response = client_for("localhost").get(
        "/accounts/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https"
    )

    if secure:
        assert response.status_code == 200
        assert response.wsgi_request.is_secure()
    else:
        # Taken for what its connection was, plain HTTP: sent to HTTPS, not served as secure.
        assert response.status_code == 301
        assert response["Location"] == "https://localhost/accounts/login/"
        assert not response.wsgi_request.is_secure()
