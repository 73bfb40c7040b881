"""Collection through Stripe: each finalised invoice of ours becomes Stripe invoice items and an
invoice on the partner's customer, charged to its default payment method.

Our ledger says what is owed; Stripe says what was received. Three rules keep the two in step
without ever charging twice:

- Every POST carries an idempotency key derived from our invoice's id and total
  (`inv{id}-{total}-item{line}`, `…-invoice`, `…-pay-{card}`): a retry inside Stripe's 24 hours
  gets the first answer back and makes nothing new.
- Each Stripe id is recorded the moment it exists (an item's id on its line, once; the
  invoice's id on the invoice), each in its own commit, so a re-run skips what exists even
  after the keys have expired; a re-run after a crash also looks for objects made but not yet
  recorded (by their metadata) before making any.
- A Stripe invoice is paid at most once (Stripe refuses a second payment); the amount it asks
  is checked against our total before any payment is asked for.

Stripe unreachable → the call raises, nothing is changed here and the Celery task retries with
backoff; the invoice stays finalised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from django.db import connection, transaction
from django.utils import timezone

from billing import invoice_states
from billing.models import BillingAccount, BillingEvent, Invoice, InvoiceLine, PaymentMethod
from billing.services import dunning
from billing.services.payment_methods import ensure_customer
from billing.stripe_api import client, metadata_of

SEND_STARTED = "stripe.send_started"
UNPAID_STATES = (Invoice.State.FINALISED, Invoice.State.OVERDUE)
ITEMS_REMOVED = "stripe.items_removed"
_LOCK_NAMESPACE = 0x5357  # "SW": advisory locks on partners whose invoices go to Stripe


class CollectionBlocked(Exception):
    """Another invoice of the partner left pending items in Stripe that a new Stripe invoice
    would sweep in; the task retries once that invoice is sent or voided."""


@contextmanager
def _partner_lock(invoice_id: int) -> Iterator[None]:
    """One worker at a time sends or voids the invoices of one partner (a session advisory
    lock on the partner, held across the Stripe calls without holding a transaction open):
    pending items are per customer, so two of its invoices must never be made at once."""
    partner_id = Invoice.objects.values_list("partner_id", flat=True).get(pk=invoice_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, partner_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, partner_id])


def _blocking_invoice(invoice: Invoice) -> str | None:
    """The number of another invoice of the partner whose sending started but made no Stripe
    invoice yet (so its items may be pending), unless it was voided and its items removed."""
    started = BillingEvent.objects.filter(
        action=SEND_STARTED, invoice__partner_id=invoice.partner_id
    ).exclude(invoice=invoice)
    removed = BillingEvent.objects.filter(action=ITEMS_REMOVED, invoice__isnull=False)
    others = (
        Invoice.objects.filter(pk__in=started.values("invoice"), stripe_invoice_id="")
        .exclude(state=Invoice.State.VOID, pk__in=removed.values("invoice"))
        .order_by("pk")
    )
    blocking = others.values_list("number", "pk").first()
    return (blocking[0] or f"#{blocking[1]}") if blocking else None


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


def _adopt_unrecorded(invoice: Invoice, customer_id: str) -> None:
    """On a re-run: finds Stripe objects an earlier run made but did not live to record
    (pending items and a draft/open invoice carrying our invoice's id in their metadata) and
    records them, so they are reused rather than made again."""
    stripe_client = client()
    ours = str(invoice.pk)
    lines = {str(line.pk): line for line in invoice.lines.filter(stripe_item_id="")}
    if lines:
        items = stripe_client.v1.invoice_items.list(
            params={"customer": customer_id, "limit": 100, "pending": True}
        )
        for item in items.auto_paging_iter():
            meta = metadata_of(item)
            line = lines.get(meta.get("line_id", ""))
            if meta.get("invoice_id") == ours and line is not None:
                InvoiceLine.objects.filter(pk=line.pk, stripe_item_id="").update(
                    stripe_item_id=item.id
                )
    if not invoice.stripe_invoice_id:
        found = stripe_client.v1.invoices.list(params={"customer": customer_id, "limit": 100})
        for candidate in found.auto_paging_iter():
            meta = metadata_of(candidate)
            if meta.get("invoice_id") == ours and candidate.status in ("draft", "open", "paid"):
                Invoice.objects.filter(pk=invoice.pk, stripe_invoice_id="").update(
                    stripe_invoice_id=candidate.id
                )
                invoice.stripe_invoice_id = candidate.id
                break


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

    Guarantees: one Stripe invoice item per line and one Stripe invoice per invoice of ours,
    however often it runs or wherever an earlier run stopped; payment is asked only when
    Stripe's total equals ours; a declined card leaves the Stripe invoice open and records
    `payment_failed_at` (dunning is told); a paid one marks ours paid. Invoices in any other
    state (draft, paid, void) are returned untouched. Stripe errors other than a decline
    propagate (the task retries), leaving every recorded id in place.
    """
    with _partner_lock(invoice_id):
        invoice = Invoice.objects.select_related("partner").get(pk=invoice_id)
        if invoice.state not in UNPAID_STATES:
            return invoice
        customer_id = ensure_customer(partner=invoice.partner)
        rerun = BillingEvent.objects.filter(invoice=invoice, action=SEND_STARTED).exists()
        if rerun:
            _adopt_unrecorded(invoice, customer_id)
        else:
            # Checked before this invoice counts as started, so a waiting invoice never
            # makes another wait for it.
            blocking = _blocking_invoice(invoice)
            if blocking:
                _event(invoice, "stripe.waiting_for_other_invoice", other=blocking)
                raise CollectionBlocked(
                    f"{invoice.number} waits: {blocking} of the same partner may have items "
                    "pending in Stripe"
                )
            _event(invoice, SEND_STARTED, customer=customer_id)
        stripe_client = client()
        if invoice.stripe_invoice_id:
            remote = stripe_client.v1.invoices.retrieve(invoice.stripe_invoice_id)
        else:
            _create_items(invoice, customer_id, rerun=rerun)
            remote = stripe_client.v1.invoices.create(
                params={
                    "customer": customer_id,
                    "collection_method": "charge_automatically",
                    # Include the pending items made above: Stripe's default since
                    # 2022-08-01 is to leave them out of a new invoice.
                    "pending_invoice_items_behavior": "include",
                    # We ask for payment ourselves, once, below; Stripe's own retries would
                    # act on a schedule our dunning does not know.
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


def _record_item(line_id: int, item_id: str) -> None:
    """Records a Stripe item's id on its line at once, in a commit of its own, so a crash
    after this loses nothing. The commit does not wait for the WAL flush (one per line would
    dominate the run on a busy disk): only a crash of the database server itself in the next
    few milliseconds could lose it, and then the re-run's idempotency key (24 h) or its
    metadata lookup finds the item again rather than making another."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        InvoiceLine.objects.filter(pk=line_id, stripe_item_id="").update(stripe_item_id=item_id)


def _create_items(invoice: Invoice, customer_id: str, *, rerun: bool) -> None:
    stripe_client = client()
    currency = invoice.currency.lower()
    for line in invoice.lines.filter(stripe_item_id="").order_by("position"):
        item = stripe_client.v1.invoice_items.create(
            params={
                "customer": customer_id,
                "amount": line.amount_minor,
                "currency": currency,
                "description": line.description,
                "metadata": {
                    "invoice_id": str(invoice.pk),
                    "line_id": str(line.pk),
                    "tenant_id": str(line.tenant_id),
                },
            },
            options={"idempotency_key": _key(invoice, f"item{line.pk}")},
        )
        _record_item(line.pk, item.id)
    if invoice.tax_minor and not (rerun and _tax_item_exists(invoice, customer_id)):
        stripe_client.v1.invoice_items.create(
            params={
                "customer": customer_id,
                "amount": invoice.tax_minor,
                "currency": currency,
                "description": f"Tax {invoice.tax_percent}%",
                "metadata": {"invoice_id": str(invoice.pk), "kind": "tax"},
            },
            options={"idempotency_key": _key(invoice, "tax")},
        )


def _tax_item_exists(invoice: Invoice, customer_id: str) -> bool:
    """Asked only on a re-run: a first run has made no tax item yet."""
    items = client().v1.invoice_items.list(
        params={"customer": customer_id, "limit": 100, "pending": True}
    )
    return any(
        metadata_of(item).get("invoice_id") == str(invoice.pk)
        and metadata_of(item).get("kind") == "tax"
        for item in items.auto_paging_iter()
    )


def _pay(invoice: Invoice, remote: Any) -> Any:
    """Asks Stripe to charge the default card; a decline is recorded, not raised."""
    card = _default_card(invoice)
    if not card:
        _event(invoice, "stripe.awaiting_payment_method", stripe_invoice=remote.id)
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
    """Lifts a billing suspension within a minute of the payment (provisioning's task, named,
    because billing may not import provisioning)."""
    from config.celery import app

    app.send_task("provisioning.tasks.apply_billing_holds")


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
    """Voids in Stripe what a voided invoice of ours left there: the Stripe invoice if draft
    or open, else its pending items (so no later invoice sweeps them up). A Stripe invoice
    already paid is not touched: that is money received against a void invoice, recorded as
    an event for a person to refund. Idempotent."""
    with _partner_lock(invoice_id):
        invoice = Invoice.objects.get(pk=invoice_id)
        if invoice.state != Invoice.State.VOID:
            return invoice
        stripe_client = client()
        if invoice.stripe_invoice_id:
            remote = stripe_client.v1.invoices.retrieve(invoice.stripe_invoice_id)
            if remote.status in ("draft", "open"):
                remote = stripe_client.v1.invoices.void_invoice(
                    remote.id, options={"idempotency_key": f"inv{invoice.pk}-void"}
                )
                _event(invoice, "stripe.invoice_voided", stripe_invoice=remote.id)
            elif remote.status == "paid":
                _event(invoice, "stripe.paid_after_void", stripe_invoice=remote.id)
            Invoice.objects.filter(pk=invoice.pk).update(stripe_status=remote.status or "")
        else:
            items = set(
                invoice.lines.exclude(stripe_item_id="").values_list("stripe_item_id", flat=True)
            )
            items |= _unrecorded_pending_items(invoice)
            for item_id in sorted(items):
                try:
                    stripe_client.v1.invoice_items.delete(item_id)
                except stripe.InvalidRequestError:
                    continue  # already deleted by an earlier run
                _event(invoice, "stripe.item_deleted", stripe_item=item_id)
            if not BillingEvent.objects.filter(invoice=invoice, action=ITEMS_REMOVED).exists():
                _event(invoice, ITEMS_REMOVED, items=sorted(items))
        invoice.refresh_from_db()
        return invoice


def _unrecorded_pending_items(invoice: Invoice) -> set[str]:
    """Pending Stripe items carrying our invoice's id that a run made but did not record
    (asked only when a run was started for it)."""
    if not BillingEvent.objects.filter(invoice=invoice, action=SEND_STARTED).exists():
        return set()
    customer_id = (
        BillingAccount.objects.filter(partner_id=invoice.partner_id)
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if not customer_id:
        return set()
    items = client().v1.invoice_items.list(
        params={"customer": customer_id, "limit": 100, "pending": True}
    )
    return {
        item.id
        for item in items.auto_paging_iter()
        if metadata_of(item).get("invoice_id") == str(invoice.pk)
    }


def invoices_to_reconcile() -> list[int]:
    """Ids of every unpaid invoice (finalised or overdue): reconciliation re-reads each."""
    return list(Invoice.objects.filter(state__in=UNPAID_STATES).values_list("pk", flat=True))
