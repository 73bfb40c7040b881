"""The one Stripe client: pinned version, counted calls, and what Stripe.js pages must allow."""

from __future__ import annotations

from typing import Any

import pytest

from billing.stripe_api import calls_made, client, content_security_sources, recording


@pytest.mark.django_db
def test_every_call_is_counted_and_carries_the_pinned_version(stripe_settings: str) -> None:
    before = calls_made()
    with recording() as sent:
        client().v1.customers.create(params={"email": "count@example.com"})

    assert calls_made() - before == 1
    assert sent[0].headers["Stripe-Version"] == "2026-10-28.endive"
    assert sent[0].url.startswith(stripe_settings)


def test_stripe_js_pages_allow_localstripe_or_stripe(settings: Any) -> None:
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    assert content_security_sources()["script-src"] == ["http://127.0.0.1:8420"]

    settings.STRIPE_API_BASE = ""
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    real = content_security_sources()
    assert real["script-src"] == ["https://js.stripe.com"]
    assert real["connect-src"] == ["https://api.stripe.com"]
