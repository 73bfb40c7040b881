"""Sending a month's finalised invoices to Stripe (localstripe): time, Stripe calls per invoice
line, and new Stripe objects when the same run is repeated.

    .venv/bin/python bench/stripe_collection.py [--partners 50] [--lines 40]

The Stripe half of `make bench-billing` (rating is the ledger's): in a database of its own
(`eoffice_bench_stripe`, dropped and recreated), --partners partners, each with a card and one
finalised invoice of --lines lines (2,000 tenants over 50 partners is 40 lines an invoice), are
sent through billing.services.collection.send_invoice_to_stripe against a local localstripe
(platform/localstripe_server.py). Calls are counted at the HTTP client (billing.stripe_api).
Then the run is repeated, and then repeated again after a run killed midway through half of
the invoices; Stripe's objects are counted before and after. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, localstack, recreate_database

DATABASE = "eoffice_bench_stripe"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_localstripe() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "platform" / "localstripe_server.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("localstripe did not start")


def make_invoices(partners: int, lines: int) -> list[int]:
    """Partners with a good card each, and one finalised invoice of `lines` lines each."""
    from django.utils import timezone

    from billing.models import Invoice, InvoiceLine, PlanPrice
    from billing.services.payment_methods import record_setup, start_card_setup
    from billing.stripe_api import client
    from tenants.models import Tenant
    from tenants.services import create_partner, register_tenant

    price = PlanPrice.objects.select_related("plan").order_by("pk").first()
    assert price is not None, "billing's migrations record the first prices"
    stripe = client()
    first = datetime.date(2026, 10, 1)
    last = datetime.date(2026, 10, 31)
    invoice_ids = []
    for number in range(partners):
        partner = create_partner(name=f"Bench partner {number}", contact_email=f"p{number}@x.test")
        secret = start_card_setup(partner=partner, actor="bench")
        intent = secret.split("_secret_")[0]
        card = stripe.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "cvc": "123",
                },
            }
        )
        stripe.v1.setup_intents.confirm(intent, params={"payment_method": card.id})
        record_setup(partner=partner, setup_intent_id=intent, actor="bench")
        tenants = [
            register_tenant(
                name=f"Bench tenant {number}-{line}",
                kind=Tenant.Kind.DEPARTMENT,
                subdomain=f"bench-{number}-{line}",
                partner=partner,
                actor="bench",
            )
            for line in range(lines)
        ]
        amounts = [100_000 + 137 * line for line in range(lines)]
        invoice = Invoice.objects.create(
            partner=partner,
            period_start=first,
            period_end=last,
            currency="pkr",
            state=Invoice.State.FINALISED,
            number=f"INV-2026-{number + 1:06d}",
            subtotal_minor=sum(amounts),
            total_minor=sum(amounts),
            finalised_at=timezone.now(),
            due_on=timezone.localdate() + datetime.timedelta(days=14),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                tenant=tenant,
                description=f"{tenant.name}, October 2026",
                plan=price.plan,
                price=price,
                first_day=first,
                last_day=last,
                days=31,
                month_days=31,
                seats=10,
                seat_amount_minor=amount,
                storage_gb=0,
                storage_over_gb=0,
                storage_amount_minor=0,
                amount_minor=amount,
            )
            for position, (tenant, amount) in enumerate(zip(tenants, amounts, strict=True), 1)
        )
        invoice_ids.append(invoice.pk)
    return invoice_ids


def stripe_objects() -> int:
    """Invoices, invoice items (on an invoice or pending) and payment intents Stripe holds for
    our customers."""
    from billing.models import BillingAccount
    from billing.stripe_api import client

    stripe = client()
    total = 0
    for customer in BillingAccount.objects.values_list("stripe_customer_id", flat=True):
        invoices = stripe.v1.invoices.list(params={"customer": customer, "limit": 100}).data
        pending = stripe.v1.invoice_items.list(params={"customer": customer, "limit": 100}).data
        total += len(invoices) + len(pending)
        for invoice in invoices:
            as_dict: dict[str, Any] = invoice.to_dict()
            lines = as_dict["lines"]
            # An embedded list shows its first 10 entries; total_count counts them all.
            total += int(lines.get("total_count", len(lines["data"])))
            total += 1 if as_dict.get("payment_intent") else 0
    return total


def send_all(invoice_ids: list[int]) -> tuple[float, int]:
    from billing.services.collection import send_invoice_to_stripe
    from billing.stripe_api import calls_made

    calls = calls_made()
    started = time.perf_counter()
    for invoice_id in invoice_ids:
        send_invoice_to_stripe(invoice_id=invoice_id)
    return time.perf_counter() - started, calls_made() - calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--lines", type=int, default=40, help="lines (tenants) per invoice")
    args = parser.parse_args()
    stripe_server, api_base = start_localstripe()
    try:
        with localstack.database() as env:
            env["DATABASE_URL"] = recreate_database(env["DATABASE_URL"], DATABASE)
            env["CELERY_QUEUE"] = "eoffice-bench-stripe"
            # Test-mode placeholders that only localstripe accepts.
            env["STRIPE_API_BASE"] = api_base
            env["STRIPE_SECRET_KEY"], env["STRIPE_PUBLISHABLE_KEY"] = (
                "sk_test_bench",
                "pk_test_bench",
            )
            localstack.manage(env, "migrate_schemas", "--shared", "-v", "0")
            os.environ.update(env)
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            import django

            django.setup()
            return run(args.partners, args.lines)
    finally:
        stripe_server.terminate()
        stripe_server.wait(timeout=10)


def run(partners: int, lines: int) -> int:
    from billing.models import Invoice, InvoiceLine

    print(f"Preparing {partners} partners with a card and an invoice of {lines} lines", flush=True)
    invoice_ids = make_invoices(partners, lines)
    line_count = InvoiceLine.objects.filter(invoice_id__in=invoice_ids).count()

    before = stripe_objects()
    seconds, calls = send_all(invoice_ids)
    paid = Invoice.objects.filter(pk__in=invoice_ids, state=Invoice.State.PAID).count()
    objects = stripe_objects()
    print(
        f"  first run: {seconds:.1f} s for {len(invoice_ids)} invoices ({paid} paid), "
        f"{calls} Stripe calls for {line_count} lines = {calls / line_count:.3f} a line",
        flush=True,
    )
    rerun_seconds, rerun_calls = send_all(invoice_ids)
    new_objects = stripe_objects() - objects
    print(
        f"  same run again: {rerun_seconds:.2f} s, {rerun_calls} calls, {new_objects} new objects"
    )

    crash_new_objects = crashed_rerun(lines, clean_run_objects=objects - before)
    print(f"  run killed midway, then run again: {crash_new_objects} objects beyond one run's")
    print(
        json.dumps(
            {
                "bench": "stripe_collection",
                "partners": partners,
                "invoice_lines": line_count,
                "collection_seconds": round(seconds, 2),
                "stripe_calls": calls,
                "stripe_calls_per_invoice_line": round(calls / line_count, 3),
                "stripe_calls_per_invoice": round(calls / len(invoice_ids), 1),
                "rerun_stripe_calls": rerun_calls,
                "rerun_new_stripe_objects": new_objects,
                "crash_rerun_extra_stripe_objects": crash_new_objects,
            }
        )
    )
    return 0 if new_objects == 0 and crash_new_objects == 0 else 1


def _dying_after(original: Any, requests: int) -> Any:
    """A request function that lets `requests` requests reach Stripe, then kills the run."""
    left = [requests]

    def dying(http: Any, *args: Any, **kwargs: Any) -> Any:
        answer = original(http, *args, **kwargs)
        left[0] -= 1
        if left[0] <= 0:
            raise SystemExit("killed")
        return answer

    return dying


def crashed_rerun(lines: int, *, clean_run_objects: int) -> int:
    """A second month for the same partners: the run is killed after some requests of each
    of half the invoices (a different point each), then everything is run again. Returns how
    many more Stripe objects this made than the clean first month did."""
    import datetime as dt

    from billing.models import Invoice, InvoiceLine
    from billing.services.collection import send_invoice_to_stripe
    from billing.stripe_api import CountingHTTPClient

    before = stripe_objects()
    ids = []
    for invoice in Invoice.objects.filter(period_start=dt.date(2026, 10, 1)).order_by("pk"):
        lines_of = list(invoice.lines.all())
        again = Invoice.objects.create(
            partner=invoice.partner,
            period_start=dt.date(2026, 11, 1),
            period_end=dt.date(2026, 11, 30),
            currency=invoice.currency,
            state=Invoice.State.FINALISED,
            number=invoice.number.replace("INV-2026-", "INV-2026-1") if invoice.number else None,
            subtotal_minor=invoice.subtotal_minor,
            total_minor=invoice.total_minor,
            finalised_at=invoice.finalised_at,
            due_on=invoice.due_on,
        )
        for line in lines_of:
            line.pk = None
            line.invoice = again
            line.stripe_item_id = ""
        InvoiceLine.objects.bulk_create(lines_of)
        ids.append(again.pk)
    original = CountingHTTPClient.request
    for index, invoice_id in enumerate(ids[: len(ids) // 2]):
        # The kill, at the wire: after a different number of requests for each invoice.
        CountingHTTPClient.request = _dying_after(original, 3 + index % (lines + 2))  # type: ignore[method-assign]  # restored below
        try:
            send_invoice_to_stripe(invoice_id=invoice_id)
        except SystemExit:
            pass
        finally:
            CountingHTTPClient.request = original  # type: ignore[method-assign]  # restored
    for invoice_id in ids:
        send_invoice_to_stripe(invoice_id=invoice_id)
    unpaid = Invoice.objects.filter(pk__in=ids).exclude(state=Invoice.State.PAID).count()
    if unpaid:
        print(f"  {unpaid} invoices of the killed run were not paid on the re-run")
    return stripe_objects() - before - clean_run_objects


if __name__ == "__main__":
    sys.exit(main())
