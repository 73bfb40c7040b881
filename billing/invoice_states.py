"""The invoice's state machine: which states lead where, one function per transition.

    draft ──► finalised ──► paid
      │           │ ╲
      │           │  ► overdue ──► paid
      ▼           ▼       │
     void ◄───────┴───────┘

A draft may be voided too: a draft rated again with different figures is voided and a new
draft replaces it (its lines never change), and a draft has no number, so no gap is left.
Paid and void are final. Every transition locks the invoice's row, checks the move on the
locked row, saves only the fields it sets and writes a BillingEvent, in one transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.audit import record_billing_event
from billing.models import Invoice

State = Invoice.State

ALLOWED: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.FINALISED, State.VOID}),
    State.FINALISED: frozenset({State.PAID, State.OVERDUE, State.VOID}),
    State.OVERDUE: frozenset({State.PAID, State.VOID}),
    State.PAID: frozenset(),
    State.VOID: frozenset(),
}
UNPAID = frozenset({State.FINALISED, State.OVERDUE})
ISSUED = frozenset({State.FINALISED, State.PAID, State.OVERDUE})


class InvoiceTransitionNotAllowed(ValidationError):
    pass


def check_transition(invoice: Invoice, to_state: str) -> None:
    """Raises InvoiceTransitionNotAllowed unless the invoice's state leads to `to_state`."""
    if to_state not in ALLOWED[invoice.state]:
        raise InvoiceTransitionNotAllowed(
            f"Invoice {invoice} is {invoice.get_state_display().lower()}; it cannot become "
            f"{State(to_state).label.lower()}."
        )


def _move(
    invoice: Invoice,
    to_state: str,
    *,
    actor: str,
    action: str,
    fields: dict[str, Any],
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    check_transition(locked, to_state)
    from_state = locked.state
    locked.state = to_state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["state", *fields])
    record_billing_event(
        actor=actor,
        action=action,
        invoice=locked,
        detail={"from": from_state, "to": to_state, **(detail or {})},
        ip_address=ip_address,
    )
    # The caller's object follows the row, so it need not be read again.
    invoice.state = to_state
    for name, value in fields.items():
        setattr(invoice, name, value)
    return locked


@transaction.atomic
def to_finalised(
    invoice: Invoice,
    *,
    actor: str,
    number: str,
    due_on: datetime.date,
    ip_address: str | None = None,
) -> Invoice:
    """draft → finalised with its number and due date (taken by the caller in this
    transaction, see billing.services.invoices.finalise_invoice)."""
    return _move(
        invoice,
        State.FINALISED,
        actor=actor,
        action="invoice.finalised",
        fields={"number": number, "due_on": due_on, "finalised_at": timezone.now()},
        detail={"number": number, "total_minor": invoice.total_minor},
        ip_address=ip_address,
    )


@transaction.atomic
def to_paid(
    invoice: Invoice,
    *,
    actor: str,
    paid_at: datetime.datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> Invoice:
    """finalised | overdue → paid (what Stripe reports as collected)."""
    return _move(
        invoice,
        State.PAID,
        actor=actor,
        action="invoice.paid",
        fields={"paid_at": paid_at or timezone.now()},
        detail=detail,
    )


@transaction.atomic
def to_overdue(invoice: Invoice, *, actor: str, detail: dict[str, Any] | None = None) -> Invoice:
    """finalised → overdue (unpaid past its due date, or its charge failed)."""
    return _move(
        invoice, State.OVERDUE, actor=actor, action="invoice.overdue", fields={}, detail=detail
    )


@transaction.atomic
def to_void(
    invoice: Invoice,
    *,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> Invoice:
    """draft | finalised | overdue → void, with the reason; the invoice and its lines stay."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the invoice is voided; the reason is kept with it.")
    return _move(
        invoice,
        State.VOID,
        actor=actor,
        action="invoice.voided",
        fields={"voided_at": timezone.now(), "void_reason": reason[:300]},
        detail={"reason": reason, "number": invoice.number or ""},
        ip_address=ip_address,
    )
