"""Collection through Stripe: each finalised invoice of ours becomes one Stripe invoice on the
partner's customer, its lines added in batches, charged to the default payment method.

Our ledger says what is owed; Stripe says what was received. The flow is: create the Stripe
invoice (a draft that takes no pending items of the customer), record its id; add our lines
with `POST /v1/invoices/{id}/add_lines`, at most `LINES_PER_CALL` a call; record each line's
Stripe item id; check Stripe's `amount_due` against our total; pay (which finalises the draft).
A month of 40 lines an invoice costs four calls (create, add_lines, list lines, pay).

Three rules keep the ledger and Stripe in step without ever charging twice:

- Every POST carries an idempotency key derived from our invoice's id and total
  (`inv{id}-{total}-invoice`, `…-lines{first}-{last}`, `…-pay-{card}`): a retry inside
  Stripe's 24 hours gets the first answer back and makes nothing new.
- Each Stripe id is recorded the moment it is known (the invoice's id on the invoice; an item's
  id on its line, once), and a re-run reads the Stripe invoice's lines back and adds only the
  lines not there (by their metadata `line_id`), so a re-run after a crash at any point adds
  nothing twice, even after the keys have expired; an invoice made but not recorded is found by
  its metadata.
- A Stripe invoice is paid at most once (Stripe refuses a second payment); the amount it asks
  is checked against our total before any payment is asked for.

Stripe unreachable → the call raises, nothing is changed here and the Celery task retries with
backoff; the invoice stays finalised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import stripe
from django.db import connection, transaction
from django.utils import timezone

from billing import invoice_states
from billing.invoice_states import UNPAID
from billing.models import BillingAccount, BillingEvent, Invoice, InvoiceLine, PaymentMethod
from billing.services import dunning
from billing.services.payment_methods import ensure_customer
from billing.stripe_api import client, metadata_of

if TYPE_CHECKING:
    from stripe.params import InvoiceAddLinesParamsLine

SEND_STARTED = "stripe.send_started"
UNPAID_STATES = tuple(UNPAID)  # billing.invoice_states' one set
# Stripe takes up to 250 lines an invoice; 50 a call keeps each request well inside its limits.
LINES_PER_CALL = 50
TAX_LINE = "tax"  # the tax line's `kind` in its metadata, and its name in batch keys
_LOCK_NAMESPACE = 0x5349  # "SI": advisory locks on invoices being sent to Stripe


@contextmanager
def _invoice_lock(invoice_id: int) -> Iterator[None]:
    """One worker at a time sends or voids one invoice (a session advisory lock, held across
    the Stripe calls without holding a transaction open): two runs reading the same Stripe
    lines at once would each add the missing ones. Different invoices, even of one partner,
    go in parallel: each Stripe invoice takes only the lines added to it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, invoice_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, invoice_id])


def _key(invoice: Invoice, suffix: str) -> str:
    return f"inv{invoice.pk}-{invoice.total_minor}-{suffix}"


def _event(invoice: Invoice, action: str, actor: str = "system", **detail: Any) -> None:
    BillingEvent.objects.create(
        actor=actor, action=action, partner_id=invoice.partner_id, invoice=invoice, detail=detail
    )


def _from_epoch(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)


def _epoch(day: datetime.date) -> int:
    return int(datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC).timestamp())


def _find_unrecorded_invoice(invoice: Invoice, customer_id: str) -> None:
    """On a re-run: finds a Stripe invoice an earlier run made but did not live to record (a
    draft/open/paid invoice carrying our invoice's id in its metadata) and records it, so it
    is reused rather than made again."""
    found = client().v1.invoices.list(params={"customer": customer_id, "limit": 100})
    for candidate in found.auto_paging_iter():
        meta = metadata_of(candidate)
        if meta.get("invoice_id") == str(invoice.pk) and candidate.status in (
            "draft",
            "open",
            "paid",
        ):
            Invoice.objects.filter(pk=invoice.pk, stripe_invoice_id="").update(
                stripe_invoice_id=candidate.id
            )
            invoice.stripe_invoice_id = candidate.id
            return


def _default_card(invoice: Invoice) -> str:
    card = (
        PaymentMethod.objects.filter(
            partner_id=invoice.partner_id, detached_at__isnull=True, is_default=True
        )
        .values_list("stripe_id", flat=True)
        .first()
    )
    return card or ""


def send_invoice_to_stripe(*, invoice_id: int) -> Invoice:
    """Sends a finalised (or overdue) invoice to Stripe and asks for payment.

    Guarantees: one Stripe invoice per invoice of ours and one Stripe line per line (plus one
    for a non-zero tax), however often it runs or wherever an earlier run stopped; the Stripe
    invoice takes no pending items of the customer; payment is asked only when Stripe's
    amount due equals our total; a declined card leaves the Stripe invoice open and records
    `payment_failed_at` (dunning is told); a paid one marks ours paid. Invoices in any other
    state (draft, paid, void) are returned untouched. Stripe errors other than a decline
    propagate (the task retries), leaving every recorded id in place.
    """
    with _invoice_lock(invoice_id):
        invoice = Invoice.objects.select_related("partner").get(pk=invoice_id)
        if invoice.state not in UNPAID_STATES:
            return invoice
        customer_id = ensure_customer(partner=invoice.partner)
        rerun = BillingEvent.objects.filter(invoice=invoice, action=SEND_STARTED).exists()
        if not rerun:
            _event(invoice, SEND_STARTED, customer=customer_id)
        elif not invoice.stripe_invoice_id:
            _find_unrecorded_invoice(invoice, customer_id)
        stripe_client = client()
        if invoice.stripe_invoice_id:
            remote = stripe_client.v1.invoices.retrieve(invoice.stripe_invoice_id)
            if remote.status == "draft":
                remote = _add_lines(invoice, remote, present=_lines_in_stripe(invoice, remote))
        else:
            remote = _create_invoice(invoice, customer_id)
            remote = _add_lines(invoice, remote, present={})
        if remote.status in ("draft", "open"):
            if int(remote.amount_due or 0) != invoice.total_minor:
                _event(
                    invoice,
                    "stripe.total_mismatch",
                    stripe_amount_due=remote.amount_due,
                    our_total=invoice.total_minor,
                )
                raise RuntimeError(
                    f"Stripe asks {remote.amount_due} for {invoice.number}, our total is "
                    f"{invoice.total_minor}; not charging."
                )
            remote = _pay(invoice, remote)
        return _apply_remote(invoice, remote)


def _create_invoice(invoice: Invoice, customer_id: str) -> Any:
    """Makes the Stripe invoice (a draft, no lines yet) and records its id at once."""
    remote = client().v1.invoices.create(
        params={
            "customer": customer_id,
            "currency": invoice.currency.lower(),
            "collection_method": "charge_automatically",
            # Our lines are added to this invoice alone (add_lines); items pending on the
            # customer stay out, so no invoice ever takes another's.
            "pending_invoice_items_behavior": "exclude",
            # We ask for payment ourselves, once; Stripe's own retries would act on a
            # schedule our dunning does not know.
            "auto_advance": False,
            "description": f"{invoice.number} · {invoice.period_start:%B %Y}",
            "metadata": {"invoice_id": str(invoice.pk), "number": invoice.number or ""},
        },
        options={"idempotency_key": _key(invoice, "invoice")},
    )
    Invoice.objects.filter(pk=invoice.pk, stripe_invoice_id="").update(
        stripe_invoice_id=remote.id, stripe_status=remote.status or ""
    )
    invoice.refresh_from_db()
    _event(invoice, "stripe.invoice_created", stripe_invoice=remote.id)
    return remote


def _item_id(line: Any) -> str:
    """The Stripe invoice item behind a line (API 2025-03-31 on: parent.invoice_item_details;
    before, and in localstripe: invoice_item), else the line's own id."""
    parent = getattr(line, "parent", None)
    details = getattr(parent, "invoice_item_details", None) if parent else None
    item = getattr(details, "invoice_item", None) if details else None
    return str(item or getattr(line, "invoice_item", None) or line.id)


def _ours(invoice: Invoice, line: Any) -> str | None:
    """The name of one of our lines on a Stripe line (a line id, or "tax"), else None."""
    meta = metadata_of(line)
    if meta.get("invoice_id") != str(invoice.pk):
        return None
    if meta.get("kind") == TAX_LINE:
        return TAX_LINE
    return meta.get("line_id") or None


def _lines_in_stripe(invoice: Invoice, remote: Any) -> dict[str, str]:
    """Our lines already on the Stripe invoice (every page): name → Stripe item id."""
    present: dict[str, str] = {}
    listing = client().v1.invoices.line_items.list(remote.id, params={"limit": 100})
    for line in listing.auto_paging_iter():
        name = _ours(invoice, line)
        if name is not None:
            present[name] = _item_id(line)
    return present


def _record_items(found: dict[str, str]) -> None:
    """Records Stripe item ids on their lines, each only where none is recorded (the one
    change the lines' trigger allows), in one commit."""
    with transaction.atomic():
        for name, item_id in found.items():
            if name != TAX_LINE:
                InvoiceLine.objects.filter(pk=int(name), stripe_item_id="").update(
                    stripe_item_id=item_id
                )


def _add_lines(invoice: Invoice, remote: Any, *, present: dict[str, str]) -> Any:
    """Adds to the draft Stripe invoice those of our lines not on it yet, in batches of
    `LINES_PER_CALL`, and records every line's Stripe item id; returns the Stripe invoice as
    the last call left it."""
    lines = list(invoice.lines.order_by("position"))
    wanted: list[tuple[str, InvoiceAddLinesParamsLine]] = [
        (
            str(line.pk),
            {
                "amount": line.amount_minor,
                "description": line.description,
                "metadata": {
                    "invoice_id": str(invoice.pk),
                    "line_id": str(line.pk),
                    "tenant_id": str(line.tenant_id),
                },
                "period": {
                    "start": _epoch(line.first_day),
                    "end": _epoch(line.last_day + datetime.timedelta(days=1)),
                },
            },
        )
        for line in lines
    ]
    if invoice.tax_minor:
        wanted.append(
            (
                TAX_LINE,
                {
                    "amount": invoice.tax_minor,
                    "description": f"Tax {invoice.tax_percent}%",
                    "metadata": {"invoice_id": str(invoice.pk), "kind": TAX_LINE},
                },
            )
        )
    missing = [(name, params) for name, params in wanted if name not in present]
    found = dict(present)
    for start in range(0, len(missing), LINES_PER_CALL):
        batch = missing[start : start + LINES_PER_CALL]
        remote = client().v1.invoices.add_lines(
            remote.id,
            params={"lines": [params for _, params in batch]},
            options={"idempotency_key": _key(invoice, f"lines{batch[0][0]}-{batch[-1][0]}")},
        )
        # The invoice returned shows its first lines only; what it shows is recorded now.
        shown = {_ours(invoice, line): _item_id(line) for line in remote.lines.data}
        found.update({name: item for name, item in shown.items() if name is not None})
        _record_items(found)
    if {str(line.pk) for line in lines if not line.stripe_item_id} - set(found):
        # More lines than the invoice shows: one paginated read finds the rest.
        found.update(_lines_in_stripe(invoice, remote))
    _record_items(found)
    return remote


def _pay(invoice: Invoice, remote: Any) -> Any:
    """Asks Stripe to charge the default card; a decline is recorded, not raised."""
    card = _default_card(invoice)
    if not card:
        _event(invoice, "stripe.awaiting_payment_method", stripe_invoice=remote.id)
        return remote
    # Voided meanwhile (a month end re-issued it while this run was on its way): never charge
    # an invoice that another one replaces.
    if not Invoice.objects.filter(pk=invoice.pk, state__in=UNPAID_STATES).exists():
        _event(invoice, "stripe.payment_skipped_void", stripe_invoice=remote.id)
        return remote
    try:
        return client().v1.invoices.pay(
            remote.id, options={"idempotency_key": _key(invoice, f"pay-{card}")}
        )
    except stripe.CardError as error:
        _event(invoice, "stripe.payment_failed", code=error.code or "", card=card)
        now = timezone.now()
        Invoice.objects.filter(pk=invoice.pk, payment_failed_at__isnull=True).update(
            payment_failed_at=now
        )
        return client().v1.invoices.retrieve(remote.id)
    except stripe.InvalidRequestError:
        # Already paid (a re-run after a crash that followed the payment) or changed in
        # Stripe meanwhile: what Stripe now says decides.
        return client().v1.invoices.retrieve(remote.id)


def _after_payment() -> None:
    """Lifts a billing suspension within a minute of the payment (dunning queues provisioning's
    task by name; the minutely beat does it if the broker is away)."""
    dunning.queue_hold_check()


def _apply_remote(invoice: Invoice, remote: Any, actor: str = "system") -> Invoice:
    """Brings our invoice in line with Stripe's: paid / void per Stripe, overdue when open
    past its due date, Stripe's status and hosted link; each change of state through the
    invoice state machine (billing.invoice_states, which audits it); dunning told."""
    status = str(remote.status or "")
    hosted = str(getattr(remote, "hosted_invoice_url", None) or "")
    stripe_detail = {"source": "stripe", "stripe_invoice": remote.id, "stripe_status": status}
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        invoice.stripe_status = status
        if hosted:
            invoice.stripe_hosted_url = hosted
        fields = ["stripe_status", "stripe_hosted_url"]
        transitions = remote.status_transitions
        attempted = status == "open" and int(remote.attempt_count or 0) > 0
        if attempted and invoice.payment_failed_at is None:
            invoice.payment_failed_at = timezone.now()
            fields.append("payment_failed_at")
        invoice.save(update_fields=fields)
        if status == "paid" and invoice.state in UNPAID_STATES:
            paid_at = _from_epoch(getattr(transitions, "paid_at", None)) or timezone.now()
            invoice_states.to_paid(invoice, actor=actor, paid_at=paid_at, detail=stripe_detail)
            transaction.on_commit(_after_payment)
        elif status == "paid" and invoice.state == Invoice.State.VOID:
            _event(invoice, "stripe.paid_after_void", actor, stripe_invoice=remote.id)
        elif status in ("void", "uncollectible") and invoice.state in UNPAID_STATES:
            invoice_states.to_void(invoice, actor=actor, reason=f"{status} in Stripe")
        elif status == "open":
            due = invoice.due_on
            if invoice.state == Invoice.State.FINALISED and due and due < timezone.localdate():
                invoice_states.to_overdue(invoice, actor=actor, detail=stripe_detail)
        dunning.invoice_changed(invoice=invoice)
    return invoice


def sync_invoice_from_stripe(*, invoice: Invoice, actor: str = "system") -> Invoice:
    """Re-reads the invoice from Stripe and records what Stripe says (paid, void, open, and
    overdue when open past due), its status and hosted link; dunning is told. An invoice not
    yet in Stripe is returned unchanged."""
    if not invoice.stripe_invoice_id:
        return invoice
    remote = client().v1.invoices.retrieve(invoice.stripe_invoice_id)
    return _apply_remote(invoice, remote, actor)


def void_in_stripe(*, invoice_id: int) -> Invoice:
    """Voids in Stripe the invoice a voided invoice of ours made there, if draft or open (a
    run that made it but did not record it is found by its metadata). A Stripe invoice
    already paid is not touched: that is money received against a void invoice, recorded as
    an event for a person to refund. Nothing in Stripe (no invoice made) → nothing to do: no
    item of ours is ever left pending on the customer. Idempotent."""
    with _invoice_lock(invoice_id):
        invoice = Invoice.objects.get(pk=invoice_id)
        if invoice.state != Invoice.State.VOID:
            return invoice
        started = BillingEvent.objects.filter(invoice=invoice, action=SEND_STARTED).exists()
        customer_id = (
            BillingAccount.objects.filter(partner_id=invoice.partner_id)
            .values_list("stripe_customer_id", flat=True)
            .first()
        )
        if not invoice.stripe_invoice_id and started and customer_id:
            _find_unrecorded_invoice(invoice, customer_id)
        if invoice.stripe_invoice_id and invoice.stripe_status != "deleted":
            stripe_client = client()
            remote = stripe_client.v1.invoices.retrieve(invoice.stripe_invoice_id)
            if remote.status == "draft":
                # Stripe voids only finalised invoices; a draft (never payable) is deleted.
                stripe_client.v1.invoices.delete(remote.id)
                _event(invoice, "stripe.draft_deleted", stripe_invoice=remote.id)
                Invoice.objects.filter(pk=invoice.pk).update(stripe_status="deleted")
                invoice.refresh_from_db()
                return invoice
            if remote.status == "open":
                remote = stripe_client.v1.invoices.void_invoice(
                    remote.id, options={"idempotency_key": f"inv{invoice.pk}-void"}
                )
                _event(invoice, "stripe.invoice_voided", stripe_invoice=remote.id)
            elif remote.status == "paid":
                _event(invoice, "stripe.paid_after_void", stripe_invoice=remote.id)
            Invoice.objects.filter(pk=invoice.pk).update(stripe_status=remote.status or "")
        invoice.refresh_from_db()
        return invoice


def invoices_to_reconcile() -> list[int]:
    """Ids of every unpaid invoice (finalised or overdue): reconciliation re-reads each."""
    return list(Invoice.objects.filter(state__in=UNPAID_STATES).values_list("pk", flat=True))
