"""Dunning's background work: the hourly run that opens grace for overdue invoices and sends
the reminders due."""

from __future__ import annotations

from config.celery import app


@app.task(acks_late=True)
def run_dunning() -> dict[str, int]:
    """Closes the grace of invoices settled without dunning being told, opens that of every
    unpaid invoice past its due date (or re-issued in grace) that has none, and sends every
    reminder due (each once, however often this runs); returns how many of each."""
    from billing.services.dunning import (
        close_settled_grace_periods,
        open_overdue_grace_periods,
        send_due_reminders,
    )

    closed = close_settled_grace_periods()
    opened = open_overdue_grace_periods()
    return {"closed": closed, "opened": opened, "reminders": send_due_reminders()}
