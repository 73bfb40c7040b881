"""Month end and the daily application of plan / partner changes dated for today."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from config.celery import app


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@app.task(acks_late=True)
def month_end(month_iso: str | None = None) -> dict[str, Any]:
    """Rates and invoices a month (the previous one by default: beat runs it on the 1st).
    Safe to run again or after a crash: run_month_end finds what was done."""
    from billing.services.invoices import run_month_end

    month = (
        datetime.date.fromisoformat(month_iso)
        if month_iso
        else previous_month(timezone.localdate())
    )
    return run_month_end(month=month).as_dict()


@app.task(acks_late=True)
def apply_due_terms() -> list[int]:
    """Applies plan and partner changes dated for today or earlier (daily); idempotent."""
    from billing.services.terms import apply_due_terms as apply

    return [term.pk for term in apply()]


@app.task(acks_late=True)
def mark_overdue_invoices() -> list[str]:
    """Marks overdue the invoices unpaid past their due date (daily); idempotent."""
    from billing.services.invoices import mark_overdue_invoices as mark

    return [invoice.number or str(invoice.pk) for invoice in mark()]
