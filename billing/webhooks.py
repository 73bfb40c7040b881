"""Stripe's webhook endpoint on the control plane: verify, store once, answer at once.

The signature is checked on the raw body (Stripe signs the bytes it sent, not a re-encoding),
with a tolerance of five minutes, so a captured request cannot be replayed later. A forged or
stale request gets 400 and nothing is stored. A valid event is stored once by its id; a replay
is acknowledged (200) and ignored. The work happens in a Celery task, so the answer takes
milliseconds and Stripe never times out on us.
"""

from __future__ import annotations

import json

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.services.stripe_events import record_stripe_event


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Receives one Stripe event (see the module docstring)."""
    try:
        body = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(body)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        return HttpResponseBadRequest("invalid signature or payload")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        return HttpResponseBadRequest("not a Stripe event")
    created = record_stripe_event(event_id=event_id, type=event_type, payload=event)
    return JsonResponse({"received": True, "duplicate": not created})
