"""The one way billing talks to Stripe: a StripeClient with the pinned API version, pointed at
localstripe when settings.STRIPE_API_BASE says so.

(Minimal version written by the portal helper for the partner portal's cards; the stripe
helper owns this module and its full version, with the call counter, replaces it.)
"""

from __future__ import annotations

from django.conf import settings
from stripe import StripeClient


def stripe_client() -> StripeClient:
    """A client for settings.STRIPE_SECRET_KEY at settings.STRIPE_API_VERSION."""
    base = settings.STRIPE_API_BASE.rstrip("/")
    return StripeClient(
        api_key=settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        base_addresses={"api": base} if base else {},
        max_network_retries=2,
    )


def stripe_js_url() -> str:
    """Where pages load Stripe.js from: settings.STRIPE_JS_URL, else localstripe's fake one
    beside STRIPE_API_BASE, else Stripe's."""
    if settings.STRIPE_JS_URL:
        return str(settings.STRIPE_JS_URL)
    base = settings.STRIPE_API_BASE.rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def stripe_js_origins() -> list[str]:
    """The origins Stripe.js loads from, calls and frames (for the card page's policy)."""
    origins = {_origin(stripe_js_url())}
    base = settings.STRIPE_API_BASE
    origins |= {_origin(base)} if base else {"https://api.stripe.com", "https://hooks.stripe.com"}
    return sorted(origins)
