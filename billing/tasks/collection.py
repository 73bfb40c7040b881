"""Sending finalised invoices to Stripe and reading back what Stripe collected.

Stripe unreachable, rate-limited or failing (5xx) → the task retries with exponential backoff
(up to an hour apart, for about a day); every step is idempotent, so a retry or a redelivery
after a worker died repeats nothing that was done.
"""

from __future__ import annotations

import stripe

from config.celery import app

# Errors worth waiting out; a refusal (4xx) will not change by retrying and is raised.
TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 30,
    "acks_late": True,
}


@app.task(**RETRY)
def collect_invoice(invoice_id: int) -> str:
    """Sends one finalised invoice to Stripe and asks Stripe to charge it."""
    from billing.services.collection import send_invoice_to_stripe

    return send_invoice_to_stripe(invoice_id=invoice_id).state


def queue_collection(invoice_id: int) -> None:
    """Queues the invoice's collection (call from transaction.on_commit)."""
    collect_invoice.delay(invoice_id)


@app.task(**RETRY)
def void_in_stripe(invoice_id: int) -> str:
    """Voids in Stripe what a voided invoice of ours left there."""
    from billing.services.collection import void_in_stripe as void

    return void(invoice_id=invoice_id).stripe_status


def queue_void(invoice_id: int) -> None:
    """Queues the Stripe side of a void (call from transaction.on_commit)."""
    void_in_stripe.delay(invoice_id)


@app.task(**RETRY)
def process_stripe_event(event_id: str) -> str:
    """Processes one stored webhook event by re-reading its object from Stripe."""
    from billing.services.stripe_events import process_stripe_event as process

    return process(event_id=event_id)


def queue_event_processing(event_id: str) -> None:
    """Queues a stored event's processing (call from transaction.on_commit)."""
    process_stripe_event.delay(event_id)


@app.task(acks_late=True)
def reconcile_open_invoices() -> dict[str, int]:
    """Daily: re-reads every unpaid invoice from Stripe (a missed webhook is caught within a
    day), queues the collection of any never sent or left a draft in Stripe, and the
    processing of stored events left unprocessed (a lost queue message loses nothing)."""
    from billing.models import Invoice
    from billing.services.collection import invoices_to_reconcile, sync_invoice_from_stripe
    from billing.services.stripe_events import unprocessed_event_ids

    events = unprocessed_event_ids()
    for event_id in events:
        queue_event_processing(event_id)
    synced = queued = failed = 0
    for invoice in Invoice.objects.filter(pk__in=invoices_to_reconcile()):
        if not invoice.stripe_invoice_id:
            queue_collection(invoice.pk)
            queued += 1
            continue
        try:
            synced_invoice = sync_invoice_from_stripe(invoice=invoice)
            synced += 1
        except stripe.StripeError:
            failed += 1  # the next day's run tries again; one bad invoice stops no other
            continue
        if synced_invoice.stripe_status == "draft":
            # A run that stopped after making the Stripe invoice (retries exhausted, a
            # refusal): sending again adds what is missing and asks for payment.
            queue_collection(invoice.pk)
            queued += 1
    return {"synced": synced, "queued": queued, "failed": failed, "events_requeued": len(events)}
