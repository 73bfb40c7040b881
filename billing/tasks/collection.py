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
