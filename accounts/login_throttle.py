"""Wrong passwords, limited so that guessing is slow but nobody can lock an officer out.

Allauth's own rule (five failures from anywhere lock the account; N failures from an address
block everyone behind it) lets anyone lock an officer out at nine o'clock by typing wrong
passwords for them, and one office's NAT address block the whole office. Instead, following
OWASP's "Slow Down Online Guessing Attacks with Device Cookies", three counters:

- **The pair** (account, client): the client is the address, or for a browser that signed in to
  this account before (it holds a device cookie, accounts.tokens) that browser. After
  PAIR_FAILURES wrong passwords within PAIR_WINDOW seconds the pair cools down for COOL_DOWN
  seconds: refused before the password is checked, with a message saying for how long.
- **The account**, across all untrusted clients: past ACCOUNT_SLOW_AFTER failures within
  ACCOUNT_WINDOW, each further failure makes the next untrusted attempt wait (1 s, 2 s, 4 s …
  at most ACCOUNT_MAX_WAIT). Never a lock, and browsers trusted for the account never wait.
- **The address**: past ADDRESS_CEILING failures within ADDRESS_WINDOW (a sprayer, not an
  office), an untrusted client there cools down after one wrong password for an account instead
  of PAIR_FAILURES. An officer whose account has no failure from that address is not slowed:
  someone else's failures never stop a correct password.

Counters live in the shared cache under the tenant's schema (its KEY_FUNCTION). When the cache
cannot be reached, sign-in goes on unthrottled and a warning is logged: a Redis outage must not
lock officers out. Who is affected right now is listed by `affected()` for the tenant's
administrators.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import ngettext

from accounts.models import User
from accounts.tokens import TrustedDevice, devices_for_cookie, make_device_cookie
from config.client_address import client_address

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, int] = {
    "PAIR_FAILURES": 5,
    "PAIR_WINDOW": 15 * 60,
    "COOL_DOWN": 15 * 60,
    "ACCOUNT_SLOW_AFTER": 10,
    "ACCOUNT_WINDOW": 60 * 60,
    "ACCOUNT_MAX_WAIT": 120,
    "ADDRESS_CEILING": 1000,
    "ADDRESS_WINDOW": 60 * 60,
    "DEVICE_COOKIE_AGE": 180 * 24 * 60 * 60,
}
# A browser shared by a few officers (a section's front desk) stays trusted for each of them.
DEVICES_PER_BROWSER = 5
_PREFIX = "accounts:login-throttle"
_AFFECTED = f"{_PREFIX}:affected"

T = TypeVar("T")


def _now() -> float:
    return time.time()


def limits() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "LOGIN_THROTTLE", {})}


def device_cookie_name() -> str:
    # Like the session cookie: the __Host- prefix where cookies are Secure (production).
    return "__Host-eoffice-device" if settings.SESSION_COOKIE_SECURE else "eoffice_device"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _normalised(account: str) -> str:
    return account.strip().lower()


@dataclass(frozen=True)
class Client:
    """Who is trying to sign in to `account`: an address, and the browser if it is trusted."""

    account: str
    address: str
    device: TrustedDevice | None

    @property
    def trusted(self) -> bool:
        return self.device is not None

    def key(self, name: str) -> str:
        return f"{_PREFIX}:{name}:{_digest(self.account)}"

    def pair_key(self, name: str) -> str:
        who = f"device:{self.device.nonce}" if self.device else f"address:{self.address}"
        return f"{_PREFIX}:{name}:{_digest(self.account, who)}"

    def address_key(self) -> str:
        return f"{_PREFIX}:address:{_digest(self.address)}"


def _devices(request: HttpRequest) -> list[TrustedDevice]:
    value = request.COOKIES.get(device_cookie_name())
    if not value:
        return []
    return devices_for_cookie(value, max_age=limits()["DEVICE_COOKIE_AGE"])


def _counted_address(request: HttpRequest) -> str:
    """The client's address, IPv6 cut to its /64: one subscriber's line holds a whole /64, and
    a fresh address from it must not be a fresh pair (allauth's rate limits do the same)."""
    address = client_address(request)
    if not address:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return address


def client_of(request: HttpRequest, account: str) -> Client:
    account = _normalised(account)
    device = next((d for d in _devices(request) if d.email == account), None)
    return Client(account=account, address=_counted_address(request), device=device)


class _Cache:
    """The cache, failing open: after the first error of a request every call returns its
    default at once, so a dead Redis costs one timeout per sign-in, not one per counter."""

    def __init__(self) -> None:
        self.down = False

    def call(self, default: T, operation: Callable[[], T]) -> T:
        if self.down:
            return default
        try:
            return operation()
        except Exception:  # any backend's "unreachable", which Django does not unify
            self.down = True
            logger.warning("Sign-in throttle skipped: the cache is unreachable.", exc_info=True)
            return default

    def count(self, key: str, window: int) -> int:
        def incr() -> int:
            cache.add(key, 0, window)
            try:
                return cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
                return 1

        return self.call(0, incr)


def _store(request: HttpRequest) -> _Cache:
    """One per request: a sign-in that found the cache down does not wait for it again."""
    store: _Cache | None = getattr(request, "_login_throttle_cache", None)
    if store is None:
        store = _Cache()
        request._login_throttle_cache = store  # type: ignore[attr-defined]
    return store


def refusal(request: HttpRequest, *, account: str) -> str | None:
    """Why this attempt is refused before its password is checked, or None to check it."""
    client = client_of(request, account)
    store = _store(request)
    keys = [client.pair_key("cooling"), client.key("wait")]
    found: dict[str, Any] = store.call({}, lambda: cache.get_many(keys))
    now = _now()
    cooling_until = float(found.get(keys[0]) or 0)
    if cooling_until > now:
        minutes = max(1, math.ceil((cooling_until - now) / 60))
        if client.trusted:
            return ngettext(
                "Too many wrong passwords for this account from this browser. Try again in "
                "%(minutes)d minute, or reset your password.",
                "Too many wrong passwords for this account from this browser. Try again in "
                "%(minutes)d minutes, or reset your password.",
                minutes,
            ) % {"minutes": minutes}
        return ngettext(
            "Too many wrong passwords for this account from this address. Try again in "
            "%(minutes)d minute, or reset your password.",
            "Too many wrong passwords for this account from this address. Try again in "
            "%(minutes)d minutes, or reset your password.",
            minutes,
        ) % {"minutes": minutes}
    waiting_until = float(found.get(keys[1]) or 0)
    if not client.trusted and waiting_until > now:
        seconds = max(1, math.ceil(waiting_until - now))
        return ngettext(
            "Many wrong passwords were tried for this account from elsewhere. Try again in "
            "%(seconds)d second, or sign in from a browser you have signed in with before.",
            "Many wrong passwords were tried for this account from elsewhere. Try again in "
            "%(seconds)d seconds, or sign in from a browser you have signed in with before.",
            seconds,
        ) % {"seconds": seconds}
    return None


def record_failure(request: HttpRequest, *, account: str) -> None:
    """Counts a wrong password for `account` from this client, and starts its cool-down or the
    account's wait when a limit is reached."""
    client = client_of(request, account)
    rules = limits()
    store = _store(request)
    now = _now()
    pair_failures = store.count(client.pair_key("failures"), rules["PAIR_WINDOW"])
    pair_limit = rules["PAIR_FAILURES"]
    if not client.trusted:
        address_failures = store.count(client.address_key(), rules["ADDRESS_WINDOW"])
        if address_failures > rules["ADDRESS_CEILING"]:
            pair_limit = 1
        window = rules["ACCOUNT_WINDOW"]
        account_failures = store.count(client.key("failures"), window)
        store.call(None, lambda: cache.add(client.key("since"), now, window))
        beyond = account_failures - rules["ACCOUNT_SLOW_AFTER"]
        if beyond > 0:
            wait = min(2 ** min(beyond - 1, 30), rules["ACCOUNT_MAX_WAIT"])
            store.call(None, lambda: cache.set(client.key("wait"), now + wait, wait))
            # Slowed while the count stays past the limit: until its window ends.
            since = float(store.call(now, lambda: cache.get(client.key("since"), now)))
            until = max(since + window, now + wait)
            _note(store, client, kind="slowed", failures=account_failures, until=until)
    if pair_failures >= pair_limit:
        cool_down = rules["COOL_DOWN"]
        store.call(None, lambda: cache.set(client.pair_key("cooling"), now + cool_down, cool_down))
        store.call(None, lambda: cache.delete(client.pair_key("failures")))
        _note(store, client, kind="cooling", failures=pair_failures, until=now + cool_down)


def record_success(request: HttpRequest, *, account: str) -> None:
    """The password was right: this client's own failures are forgiven. The account's count
    stays, or an attacker could reset it by signing in between guesses."""
    client = client_of(request, account)
    _store(request).call(None, lambda: cache.delete(client.pair_key("failures")))


def trust_browser(request: HttpRequest, response: HttpResponseBase, user: User) -> None:
    """Sets the device cookie on a successful sign-in: this browser now counts its failures for
    `user` apart from everyone else's, and never waits for theirs."""
    email = _normalised(user.email)
    kept = [d for d in _devices(request) if d.email != email]
    mine = next((d for d in _devices(request) if d.email == email and d.user_pk == user.pk), None)
    device = mine or TrustedDevice(user.pk, email, secrets.token_urlsafe(16))
    devices = [device, *kept][:DEVICES_PER_BROWSER]
    response.set_cookie(
        device_cookie_name(),
        make_device_cookie(devices),
        max_age=limits()["DEVICE_COOKIE_AGE"],
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Who is affected ------------------------------------------------------------------------


@dataclass(frozen=True)
class Affected:
    """An account whose untrusted clients wait ("slowed"), or a pair cooling down ("cooling")."""

    account: str
    address: str
    trusted_browser: bool
    kind: str
    failures: int
    until: datetime


def _note(store: _Cache, client: Client, *, kind: str, failures: int, until: float) -> None:
    # The index is only for the administrators' page: a lost update between two concurrent
    # failures drops one line for a moment, never a counter.
    entry_id = f"{kind}|{client.account}|{client.address if kind == 'cooling' else ''}"
    entry = {
        "account": client.account,
        "address": client.address if kind == "cooling" else "",
        "trusted": client.trusted,
        "kind": kind,
        "failures": failures,
        "until": until,
    }

    def update() -> None:
        now = _now()
        entries = {k: v for k, v in cache.get(_AFFECTED, {}).items() if v["until"] > now}
        entries[entry_id] = entry
        longest = max(int(v["until"] - now) + 1 for v in entries.values())
        cache.set(_AFFECTED, entries, longest)

    store.call(None, update)


def affected() -> list[Affected]:
    """This tenant's accounts slowed down and pairs cooling down now, latest end first."""
    now = _now()
    entries: dict[str, dict[str, Any]] = _Cache().call({}, lambda: cache.get(_AFFECTED, {}))
    return sorted(
        (
            Affected(
                account=entry["account"],
                address=entry["address"],
                trusted_browser=entry["trusted"],
                kind=entry["kind"],
                failures=entry["failures"],
                until=datetime.fromtimestamp(entry["until"], tz=UTC),
            )
            for entry in entries.values()
            if entry["until"] > now
        ),
        key=lambda item: item.until,
        reverse=True,
    )
