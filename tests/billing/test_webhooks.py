"""Stripe's webhook endpoint: signature on the raw body (forged, expired), each event stored
once (replay), processing that re-reads Stripe (out of order), the daily reconciliation, and
localstripe delivering signed events to a live server whose worker processes them."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from django.utils import timezone

from billing.models import BillingEvent, Invoice, PaymentMethod, StripeEvent
from billing.services.collection import send_invoice_to_stripe
from billing.services.stripe_events import process_stripe_event, unprocessed_event_ids
from billing.stripe_api import client
from billing.tasks.collection import reconcile_open_invoices
from tests.billing.stripe_fixtures import (
    FAILING_CARD,
    GOOD_CARD,
    add_card,
    finalised_invoice,
    new_partner,
)
from tests.conftest import World, client_for
from tests.stripe_server import WEBHOOK_SECRET
from tests.worker import wait_for

URL = "/billing/stripe/webhook/"


def signature(payload: bytes, *, at: float | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """A Stripe-Signature header as Stripe computes it (HMAC-SHA256 of "t.payload")."""
    stamp = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def event_payload(event_type: str = "invoice.paid", obj: dict[str, Any] | None = None) -> bytes:
    event = {
        "id": f"evt_test_{uuid.uuid4().hex[:14]}",
        "object": "event",
        "type": event_type,
        "data": {"object": obj or {"id": "in_unknown", "object": "invoice"}},
    }
    return json.dumps(event).encode()


def deliver(payload: bytes, header: str | None = None) -> Any:
    return client_for("localhost").post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header if header is not None else signature(payload),
    )


@pytest.fixture(autouse=True)
def _stripe(stripe_settings: str) -> None:
    pass


@pytest.mark.django_db
def test_a_forged_signature_is_refused_and_nothing_stored() -> None:
    payload = event_payload()

    forged = deliver(payload, signature(payload, secret="whsec_someone_else"))
    tampered = deliver(payload.replace(b"invoice.paid", b"invoice.voided"), signature(payload))
    missing = deliver(payload, "")

    assert [forged.status_code, tampered.status_code, missing.status_code] == [400, 400, 400]
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_an_expired_timestamp_is_refused() -> None:
    payload = event_payload()

    stale = deliver(payload, signature(payload, at=time.time() - 301))
    fresh = deliver(payload, signature(payload, at=time.time() - 200))

    assert stale.status_code == 400
    assert fresh.status_code == 200
    assert StripeEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_replayed_event_is_acknowledged_and_ignored() -> None:
    payload = event_payload()

    started = time.perf_counter()
    first = deliver(payload)
    took = time.perf_counter() - started
    again = deliver(payload)

    assert first.status_code == again.status_code == 200
    assert first.json() == {"received": True, "duplicate": False}
    assert again.json() == {"received": True, "duplicate": True}
    assert StripeEvent.objects.count() == 1
    assert took < 0.5  # stored and answered; the work is the task's


def test_only_post_is_accepted(db: None) -> None:
    assert client_for("localhost").get(URL).status_code == 405


@pytest.mark.django_db
def test_a_tenant_host_has_no_webhook_endpoint(world: World) -> None:
    payload = event_payload()

    response = client_for(world.punjab.host).post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(payload)
    )

    assert response.status_code == 404
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_events_out_of_order_are_decided_by_what_stripe_says_now(world: World) -> None:
    partner = new_partner()
    add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    declined = send_invoice_to_stripe(invoice_id=invoice.pk)
    stale_copy = client().v1.invoices.retrieve(declined.stripe_invoice_id).to_dict()
    # The partner pays in Stripe (a new card, the hosted page): Stripe now says paid.
    stripe = client()
    customer = partner.billing_account.stripe_customer_id
    card = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.payment_methods.attach(card.id, params={"customer": customer})
    stripe.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    stripe.v1.invoices.pay(declined.stripe_invoice_id)
    paid_copy = stripe.v1.invoices.retrieve(declined.stripe_invoice_id).to_dict()
    late_failure = event_payload("invoice.payment_failed", stale_copy)
    early_success = event_payload("invoice.paid", paid_copy)

    # The success arrives first, the older failure after it.
    for payload in (early_success, late_failure):
        assert deliver(payload).status_code == 200
        process_stripe_event(event_id=json.loads(payload)["id"])

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert all(event.processed_at for event in StripeEvent.objects.all())


@pytest.mark.django_db
def test_a_card_event_refreshes_the_cached_cards_from_stripe(world: World) -> None:
    partner = new_partner()
    first = add_card(partner)
    stripe = client()
    customer = partner.billing_account.stripe_customer_id
    second = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": GOOD_CARD, "exp_month": 1, "exp_year": 2031, "cvc": "123"},
        }
    )
    stripe.v1.payment_methods.attach(second.id, params={"customer": customer})
    stripe.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": second.id}}
    )
    # The payload claims another default; only what Stripe says counts.
    payload = event_payload(
        "customer.updated",
        {"id": customer, "invoice_settings": {"default_payment_method": first.stripe_id}},
    )
    deliver(payload)
    process_stripe_event(event_id=json.loads(payload)["id"])

    cards = {card.stripe_id: card for card in PaymentMethod.objects.filter(partner=partner)}
    assert set(cards) == {first.stripe_id, second.id}
    assert cards[second.id].is_default and not cards[first.stripe_id].is_default
    assert cards[second.id].exp_year == 2031
    assert BillingEvent.objects.filter(partner=partner, action="payment_method.synced").exists()


@pytest.mark.django_db
def test_an_event_for_another_platforms_invoice_is_processed_and_ignored() -> None:
    stripe = client()
    customer = stripe.v1.customers.create(params={"email": "stranger@example.com"})
    stripe.v1.invoice_items.create(
        params={"customer": customer.id, "amount": 100, "currency": "pkr"}
    )
    remote = stripe.v1.invoices.create(
        params={
            "customer": customer.id,
            "collection_method": "charge_automatically",
            "pending_invoice_items_behavior": "include",
            "auto_advance": False,
        }
    )
    payload = event_payload("invoice.finalized", {"id": remote.id, "object": "invoice"})
    deliver(payload)

    assert process_stripe_event(event_id=json.loads(payload)["id"]) == "not our invoice"


@pytest.mark.django_db
def test_reconciliation_catches_a_missed_webhook(world: World) -> None:
    partner = new_partner()
    add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    declined = send_invoice_to_stripe(invoice_id=invoice.pk)
    stripe = client()
    customer = partner.billing_account.stripe_customer_id
    card = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.payment_methods.attach(card.id, params={"customer": customer})
    stripe.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    stripe.v1.invoices.pay(declined.stripe_invoice_id)  # its webhook never reaches us

    report = reconcile_open_invoices()

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert report["synced"] >= 1


@pytest.mark.django_db
def test_reconciliation_sends_again_an_invoice_left_a_draft_in_stripe(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that stopped after making the Stripe invoice (its retries exhausted) is picked up
    by the daily reconciliation, and sending it again charges it."""
    from billing.tasks import collection as tasks

    partner = new_partner()
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    send_invoice_to_stripe(invoice_id=invoice.pk)  # no card yet: a draft waits in Stripe
    add_card(partner, GOOD_CARD)
    queued: list[int] = []
    monkeypatch.setattr(tasks, "queue_collection", queued.append)  # what a worker is sent

    report = reconcile_open_invoices()

    assert invoice.pk in queued and report["queued"] >= 1
    paid = send_invoice_to_stripe(invoice_id=queued[queued.index(invoice.pk)])
    assert paid.state == Invoice.State.PAID


def test_localstripe_delivers_signed_events_that_the_worker_processes(
    world: World, committed: None, celery_worker: Any, webhook_url: str
) -> None:
    """The whole path: Stripe declines, the partner pays in Stripe, Stripe's signed webhooks
    reach our live endpoint, the real worker re-reads Stripe: our invoice is paid."""
    partner = new_partner("webhook")
    add_card(partner, FAILING_CARD)
    invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
    declined = send_invoice_to_stripe(invoice_id=invoice.pk)
    assert declined.payment_failed_at is not None
    wait_for(
        lambda: (
            StripeEvent.objects.filter(
                type="invoice.payment_failed", processed_at__isnull=False
            ).exists()
            or None
        ),
        timeout=30,
        what="invoice.payment_failed delivered and processed",
        log=celery_worker.log,
    )

    stripe = client()
    customer = partner.billing_account.stripe_customer_id
    card = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": GOOD_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.payment_methods.attach(card.id, params={"customer": customer})
    stripe.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    stripe.v1.invoices.pay(declined.stripe_invoice_id)

    paid = wait_for(
        lambda: Invoice.objects.filter(pk=invoice.pk, state=Invoice.State.PAID).first(),
        timeout=30,
        what="the invoice paid through the webhook",
        log=celery_worker.log,
    )
    assert paid.paid_at is not None
    wait_for(
        lambda: PaymentMethod.objects.filter(stripe_id=card.id, is_default=True).first(),
        timeout=30,
        what="the new card cached as the default",
        log=celery_worker.log,
    )
    # Our invoice may be paid by whichever event arrives first (each re-reads Stripe); every
    # one of them is still delivered and stored.
    expected = {"invoice.payment_failed", "invoice.paid", "customer.updated"}
    wait_for(
        lambda: expected <= set(StripeEvent.objects.values_list("type", flat=True)) or None,
        timeout=30,
        what=f"the events {sorted(expected)} delivered",
        log=celery_worker.log,
    )


@pytest.mark.django_db
def test_processing_that_fails_is_recorded_and_raised_for_the_retry(settings: Any) -> None:
    import socket

    import stripe

    payload = event_payload("invoice.paid", {"id": "in_not_recorded", "object": "invoice"})
    deliver(payload)
    event_id = json.loads(payload)["id"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(stripe.APIConnectionError):
            process_stripe_event(event_id=event_id)

    stored = StripeEvent.objects.get(event_id=event_id)
    assert stored.attempts == 1
    assert stored.processed_at is None
    assert stored.error.startswith("APIConnectionError")


@pytest.mark.django_db
def test_a_redelivered_event_is_queued_again_only_while_unprocessed(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[str] = []
    monkeypatch.setattr("billing.tasks.collection.queue_event_processing", queued.append)
    payload = event_payload()
    event_id = json.loads(payload)["id"]

    with django_capture_on_commit_callbacks(execute=True):
        deliver(payload)
        deliver(payload)  # Stripe redelivers: the first was never processed
    StripeEvent.objects.filter(event_id=event_id).update(processed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        deliver(payload)

    assert queued == [event_id, event_id]


@pytest.mark.django_db
def test_a_broker_that_is_down_loses_no_event(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(event_id: str) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("billing.tasks.collection.queue_event_processing", broker_down)
    payload = event_payload()

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(payload)

    assert response.status_code == 200
    stored = StripeEvent.objects.get(event_id=json.loads(payload)["id"])
    StripeEvent.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert stored.event_id in unprocessed_event_ids()


@pytest.mark.django_db
def test_the_log_lists_unprocessed_events_with_their_error() -> None:
    from billing.selectors.stripe_events import stripe_events

    done, failing = event_payload(), event_payload()
    deliver(done)
    deliver(failing)
    StripeEvent.objects.filter(event_id=json.loads(done)["id"]).update(processed_at=timezone.now())
    StripeEvent.objects.filter(event_id=json.loads(failing)["id"]).update(error="APIError: 500")

    unprocessed = [event.event_id for event in stripe_events(unprocessed_only=True)]

    assert json.loads(failing)["id"] in unprocessed
    assert json.loads(done)["id"] not in unprocessed
    ours = {json.loads(done)["id"], json.loads(failing)["id"]}
    newest = [event.event_id for event in stripe_events() if event.event_id in ours]
    assert newest == [json.loads(failing)["id"], json.loads(done)["id"]]
