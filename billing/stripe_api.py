"""The one way billing speaks to Stripe: a StripeClient on the pinned API version.

Every request goes through `CountingHTTPClient`, which counts it (the billing benchmark reports
Stripe calls per invoice line) and, inside `recording()`, keeps the exact request the library
sent (method, URL, headers, form body) so tests can check idempotency keys at the HTTP
boundary against the real library rather than a mock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import stripe
from django.conf import settings


@dataclass(frozen=True)
class SentRequest:
    """One HTTP request as the Stripe library put it on the wire."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: str

    @property
    def params(self) -> dict[str, str]:
        """The form-encoded body as a flat dict (Stripe's `a[b]` keys kept as they are)."""
        return dict(parse_qsl(self.body, keep_blank_values=True))

    @property
    def path(self) -> str:
        return "/" + self.url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]

    @property
    def idempotency_key(self) -> str | None:
        return {name.lower(): value for name, value in self.headers.items()}.get("idempotency-key")


@dataclass
class _Tally:
    calls: int = 0
    recordings: list[list[SentRequest]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_tally = _Tally()


def calls_made() -> int:
    """How many HTTP requests this process has sent to Stripe (retries included)."""
    return _tally.calls


@contextlib.contextmanager
def recording() -> Iterator[list[SentRequest]]:
    """Yields a list that fills with every request sent to Stripe while the block runs."""
    sent: list[SentRequest] = []
    with _tally.lock:
        _tally.recordings.append(sent)
    try:
        yield sent
    finally:
        with _tally.lock:
            _tally.recordings.remove(sent)


class CountingHTTPClient(stripe.RequestsClient):
    """The library's requests-based client, counting (and, when asked, recording) requests."""

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Mapping[str, str]]:
        body = post_data.decode() if isinstance(post_data, bytes) else str(post_data or "")
        sent = SentRequest(method=method.upper(), url=url, headers=dict(headers or {}), body=body)
        with _tally.lock:
            _tally.calls += 1
            for recorded in _tally.recordings:
                recorded.append(sent)
        # `_usage` is the library's telemetry tag; the requests client does not take it.
        return super().request(method, url, headers, post_data)


@lru_cache(maxsize=4)
def _client(
    secret_key: str, api_base: str, api_version: str, timeout: float
) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        stripe_version=api_version,
        base_addresses={"api": api_base} if api_base else None,
        http_client=CountingHTTPClient(timeout=timeout),
        # One quick retry inside the call for a dropped connection; anything longer is the
        # Celery task's retry with backoff. Every POST carries our own idempotency key, so a
        # retry never makes a second object.
        max_network_retries=1,
    )


def client() -> stripe.StripeClient:
    """The StripeClient for the current settings (one per distinct configuration)."""
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_API_VERSION,
        float(settings.STRIPE_TIMEOUT_SECONDS),
    )


def metadata_of(obj: Any) -> dict[str, str]:
    """A Stripe object's metadata as a plain dict (absent → empty)."""
    metadata = getattr(obj, "metadata", None)
    if metadata is None:
        return {}
    # Since stripe 15 a StripeObject is no dict; to_dict() gives its fields as one.
    as_dict = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(key): str(value) for key, value in as_dict.items()}


def content_security_sources() -> dict[str, list[str]]:
    """The Content-Security-Policy sources a page that loads Stripe.js needs (for the card
    page's policy): the script's origin, the API it calls and the frames it draws. Stripe's
    own hosts in production; localstripe's origin locally, which serves script and API."""
    from urllib.parse import urlsplit

    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    if settings.STRIPE_API_BASE:
        local = origin(settings.STRIPE_API_BASE)
        return {"script-src": [local], "connect-src": [local], "frame-src": [local]}
    return {
        "script-src": [origin(settings.STRIPE_JS_URL)],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    }
