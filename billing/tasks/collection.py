"""Sending finalised invoices to Stripe and reading back what Stripe collected."""

from __future__ import annotations

from config.celery import app


@app.task(acks_late=True)
def collect_invoice(invoice_id: int) -> str:
    """Sends one finalised invoice to Stripe and asks Stripe to charge it."""
    from billing.services.collection import send_invoice_to_stripe

    return send_invoice_to_stripe(invoice_id=invoice_id).state


def queue_collection(invoice_id: int) -> None:
    """Queues the invoice's collection (call from transaction.on_commit)."""
    collect_invoice.delay(invoice_id)


@app.task(acks_late=True)
def void_in_stripe(invoice_id: int) -> None:
    """Voids in Stripe the Stripe invoice of an invoice we voided (nothing if it has none).

    The smallest version, written by the ledger so a void can be queued; the stripe helper's
    version replaces it at the merge.
    """
    from billing.services import collection

    void = getattr(collection, "void_in_stripe", None)
    if void is not None:
        void(invoice_id=invoice_id)


def queue_void(invoice_id: int) -> None:
    """Queues the Stripe side of a void (call from transaction.on_commit)."""
    void_in_stripe.delay(invoice_id)
