"""Stripe unreachable while an invoice is being sent, with a real worker: the task retries with
backoff until Stripe answers, and nothing is lost or made twice."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from billing.models import BillingEvent, Invoice
from billing.tasks.collection import collect_invoice
from tests.billing.stripe_fixtures import finalised_invoice, new_partner
from tests.conftest import World
from tests.stripe_server import ROOT, stripe_env
from tests.worker import start_worker, stop_worker, wait_for


@pytest.mark.django_db
def test_collection_tasks_retry_transient_stripe_errors_with_backoff() -> None:
    import stripe

    from billing.tasks.collection import process_stripe_event, void_in_stripe

    for task in (collect_invoice, void_in_stripe, process_stripe_event):
        assert stripe.APIConnectionError in task.autoretry_for
        assert stripe.CardError not in task.autoretry_for  # a decline is an answer
        assert task.retry_backoff and task.max_retries


def test_the_task_waits_out_an_unreachable_stripe_and_then_sends_once(
    world: World, committed: None, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api_base = f"http://127.0.0.1:{port}"  # nothing listens here yet
    queue = f"stripe-retry-{port}"
    log = tmp_path / "worker.log"
    worker = start_worker(log, queue=queue, env=stripe_env(api_base))
    stripe_server: subprocess.Popen[bytes] | None = None
    try:
        partner = new_partner("retry")
        invoice = finalised_invoice(partner=partner, tenant=world.punjab.tenant)
        collect_invoice.apply_async(args=[invoice.pk], queue=queue)

        wait_for(
            lambda: "Retry in" in log.read_text() or None,
            timeout=60,
            what="the task retrying while Stripe is unreachable",
            log=log,
        )
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.FINALISED
        assert invoice.stripe_invoice_id == ""

        stripe_server = subprocess.Popen(
            [sys.executable, str(ROOT / "platform/localstripe_server.py"), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # The Stripe invoice's id is recorded before its lines are added: wait for both.
        sent = wait_for(
            lambda: (
                Invoice.objects.exclude(stripe_invoice_id="")
                .filter(pk=invoice.pk)
                .exclude(lines__stripe_item_id="")
                .first()
            ),
            timeout=90,
            what="the invoice and its lines sent once Stripe answers",
            log=log,
        )
        assert sent.state == Invoice.State.FINALISED  # no card yet: it waits in Stripe
        assert not sent.lines.filter(stripe_item_id="").exists()
        created = BillingEvent.objects.filter(invoice=invoice, action="stripe.invoice_created")
        assert created.count() == 1
        listing = urllib.request.Request(  # noqa: S310 - the local Stripe
            f"{api_base}/v1/invoices?limit=100",
            headers={"Authorization": "Bearer sk_test_localstripe"},
        )
        with urllib.request.urlopen(listing, timeout=5) as answer:  # noqa: S310 - idem
            assert answer.read().count(b'"object": "invoice"') == 1
    finally:
        stop_worker(worker)
        if stripe_server is not None:
            stripe_server.terminate()
            stripe_server.wait(timeout=10)
        time.sleep(0.2)
