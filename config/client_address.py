"""The one rule for who sent a request: forwarded headers count only from trusted proxies.

Every part of the platform that needs the client's address (the audit trail, allauth's rate
limits, /readyz's detail) calls `client_address`; nothing else reads REMOTE_ADDR or
X-Forwarded-For. Anyone can send an X-Forwarded-For or X-Forwarded-Proto header, so they mean
something only when the direct peer is one of TRUSTED_PROXIES (the load balancer's addresses or
networks): otherwise a client could pick the address its failed sign-ins are counted under, or
make a plain-HTTP request look like HTTPS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:  # settings.py imports this module: nothing here may load django.http first
    from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Headers a proxy sets about the client. From anyone else they are removed before any code (the
# SECURE_PROXY_SSL_HEADER check included) can read them.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def parse_networks(values: Iterable[str], *, setting: str = "TRUSTED_PROXIES") -> list[Network]:
    """Networks from addresses or CIDRs ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7")."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip()))
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting} must list IP addresses or networks (CIDR), not {value!r}."
            ) from None
    return networks


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_networks(values))


def networks_of(values: Iterable[str]) -> tuple[Network, ...]:
    """parse_networks, once per distinct list (settings are read on every request)."""
    return _networks(tuple(values))


def parse_address(value: str | None) -> Address | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For hop, with any port removed."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def in_networks(address: Address | None, networks: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def trusted_proxies() -> tuple[Network, ...]:
    return networks_of(settings.TRUSTED_PROXIES)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    return in_networks(parse_address(request.META.get("REMOTE_ADDR")), trusted_proxies())


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that sent this request, as far as it can be known.

    The direct peer, unless it is a trusted proxy: then X-Forwarded-For is walked from the right
    (each proxy appends the address it saw) past every trusted hop, and the first untrusted
    address is the client. A client can prepend anything, but never get past the hop its
    nearest trusted proxy appended. None when the peer gives no address (a Unix socket).
    """
    proxies = trusted_proxies()
    address = parse_address(request.META.get("REMOTE_ADDR"))
    if address is None or not in_networks(address, proxies):
        return str(address) if address else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        hop_address = parse_address(hop)
        if hop_address is None:
            # Not an address: nothing to its left was vouched for by a trusted proxy.
            break
        address = hop_address
        if not in_networks(address, proxies):
            break
    return str(address)


class TrustedProxyMiddleware:
    """Removes forwarded headers unless the direct peer is a trusted proxy. Must come first.

    Django honours SECURE_PROXY_SSL_HEADER from whoever sends it; with the header gone, a request
    from anyone else is only as secure as its own connection (wsgi.url_scheme).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
