"""The webhook log: storing each Stripe event once, and processing it by re-reading Stripe."""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import BillingAccount, Invoice, PaymentMethod, StripeEvent
from billing.services.collection import sync_invoice_from_stripe
from billing.services.payment_methods import refresh_payment_methods
from billing.stripe_api import client, metadata_of

logger = logging.getLogger(__name__)

CARD_EVENTS = {
    "customer.updated",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "setup_intent.succeeded",
}


def record_stripe_event(*, event_id: str, type: str, payload: dict[str, Any]) -> bool:
    """Stores a verified event once by its id (INSERT … ON CONFLICT DO NOTHING) and queues its
    processing after the commit. Returns whether it was new: a replay stores nothing, and
    queues the processing again only if the event is still unprocessed (Stripe redelivers
    what it thinks failed, so a lost queue message is made good by Stripe's own retry;
    processing twice does no harm)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_stripeevent (event_id, type, payload, received_at, attempts, "
            "error) VALUES (%s, %s, %s::jsonb, now(), 0, '') "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [event_id, type, _json(payload)],
        )
        created = cursor.fetchone() is not None
        unprocessed = (
            created
            or StripeEvent.objects.filter(event_id=event_id, processed_at__isnull=True).exists()
        )
        if unprocessed:
            transaction.on_commit(lambda: _queue(event_id))
    return created


def _queue(event_id: str) -> None:
    """Queues the processing; a broker that is down costs no event (it is stored, and the
    daily reconciliation or Stripe's redelivery queues it again), so the webhook still
    answers 200."""
    from billing.tasks.collection import queue_event_processing

    try:
        queue_event_processing(event_id)
    except Exception:  # any broker failure: the event is safe in the table
        logger.warning("could not queue Stripe event %s; it stays unprocessed", event_id)


def unprocessed_event_ids(*, older_than_seconds: int = 300) -> list[str]:
    """Stored events still unprocessed after a while (a lost queue message, or failing)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    pending = StripeEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
    return list(pending.order_by("received_at").values_list("event_id", flat=True))


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def _object_id(event: StripeEvent) -> str:
    data = event.payload.get("data") or {}
    obj = data.get("object") or {}
    value = obj.get("id", "")
    return value if isinstance(value, str) else ""


def _invoice_for(stripe_invoice_id: str) -> Invoice | None:
    """Our invoice for a Stripe invoice: by the recorded id, or (when the id was never
    recorded, e.g. a crash right after creating it) by the metadata Stripe holds."""
    invoice = Invoice.objects.filter(stripe_invoice_id=stripe_invoice_id).first()
    if invoice is not None:
        return invoice
    remote = client().v1.invoices.retrieve(stripe_invoice_id)
    ours = metadata_of(remote).get("invoice_id", "")
    if not ours.isdigit():
        return None
    Invoice.objects.filter(pk=int(ours), stripe_invoice_id="").update(
        stripe_invoice_id=stripe_invoice_id
    )
    return Invoice.objects.filter(pk=int(ours), stripe_invoice_id=stripe_invoice_id).first()


def _partner_for_cards(event: StripeEvent, object_id: str) -> int | None:
    stripe_client = client()
    customer_id = ""
    if event.type == "customer.updated":
        customer_id = object_id
    elif event.type == "setup_intent.succeeded":
        intent = stripe_client.v1.setup_intents.retrieve(object_id)
        customer_id = intent.customer if isinstance(intent.customer, str) else ""
    else:
        cached = PaymentMethod.objects.filter(stripe_id=object_id).first()
        if cached is not None:
            return cached.partner_id
        method = stripe_client.v1.payment_methods.retrieve(object_id)
        customer_id = method.customer if isinstance(method.customer, str) else ""
    if not customer_id:
        return None
    return (
        BillingAccount.objects.filter(stripe_customer_id=customer_id)
        .values_list("partner_id", flat=True)
        .first()
    )


def process_stripe_event(*, event_id: str) -> str:
    """Acts on a stored event by re-reading from Stripe the object it names (never trusting
    the payload's copy or the order events arrive in): invoice.* → the invoice is synced;
    customer / payment method / setup intent events → the partner's cards are refreshed.
    Others are recorded as processed and ignored. Returns what was done. Processing an event
    again does no harm: every action brings our rows in line with Stripe's current state."""
    StripeEvent.objects.filter(event_id=event_id).update(attempts=F("attempts") + 1)
    event = StripeEvent.objects.get(event_id=event_id)
    object_id = _object_id(event)
    outcome = "ignored"
    try:
        if event.type.startswith("invoice.") and object_id.startswith("in_"):
            invoice = _invoice_for(object_id)
            if invoice is not None:
                invoice = sync_invoice_from_stripe(invoice=invoice)
                outcome = f"invoice {invoice.pk} {invoice.state}"
            else:
                outcome = "not our invoice"
        elif event.type in CARD_EVENTS and object_id:
            partner_id = _partner_for_cards(event, object_id)
            if partner_id is not None:
                from tenants.models import Partner

                cards = refresh_payment_methods(partner=Partner.objects.get(pk=partner_id))
                outcome = f"partner {partner_id}: {len(cards)} cards"
            else:
                outcome = "not our customer"
    except Exception as error:
        StripeEvent.objects.filter(pk=event.pk).update(error=f"{type(error).__name__}: {error}")
        raise
    StripeEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
    return outcome
