"""Month-end billing for 50 partners and 2,000 tenants against a local Stripe.

    make bench-billing      (or: .venv/bin/python bench/billing.py)

In a database of its own (`eoffice_bench`, on DATABASE_URL's server or the embedded one) and
against localstripe (platform/localstripe_server.py) through the real `stripe` library:

- loads 50 partners, each with a Stripe customer and a default card, and 2,000 active tenants
  with a month of daily usage (60,000 usage records); 5 % of the tenants opened mid-month, 5 %
  changed plan and 5 % changed partner mid-month, and one plan's price changed mid-month;
- times the month's end as the platform runs it: rating every partner's month and finalising
  its invoice (billing.services.invoices.run_month_end), then sending each invoice to Stripe
  and charging it (billing.services.collection.send_invoice_to_stripe, what a worker runs);
- runs the same month end again, as after a crash or a second trigger, and counts the Stripe
  objects it made (requests that create one, each line an add_lines call adds, and the
  invoices Stripe holds per customer);
- beside it, the baseline: the same rating done tenant by tenant (four queries per tenant, as
  a straightforward loop over tenants does), and the issue's targets (60 s, one call per line).

Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, localstack

MONTH = datetime.date(2026, 11, 1)
TARGET_SECONDS = 60.0
SECRET_KEY = "sk_test_bench"
CREATE_PATHS = ("/v1/customers", "/v1/invoiceitems", "/v1/invoices", "/v1/payment_methods")
ADD_LINES = "/add_lines"  # POST /v1/invoices/{id}/add_lines: one Stripe line per line sent


def lines_added(request: Any) -> int:
    """How many lines an add_lines request carries (0 for any other request)."""
    if request.method != "POST" or not request.path.endswith(ADD_LINES):
        return 0
    return len({key.split("]", 1)[0] for key in request.params if key.startswith("lines[")})


def objects_made(requests: list[Any]) -> int:
    """Stripe objects the requests ask to create: one per create, one per line added."""
    creates = sum(1 for r in requests if r.method == "POST" and r.path in CREATE_PATHS)
    return creates + sum(lines_added(r) for r in requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--tenants", type=int, default=2000)
    args = parser.parse_args()
    if args.partners < 1 or args.tenants < args.partners:
        parser.error("needs at least one partner and one tenant per partner")

    with bench_environment() as env:
        # Always a local Stripe of its own: whatever Stripe the environment names is dropped,
        # so the benchmark can never charge a real account.
        for name in [name for name in env if name.startswith("STRIPE_")]:
            del env[name]
        stripe_server = localstack.start_localstripe(env)
        if stripe_server is None:
            raise SystemExit("localstripe did not start")
        try:
            print("Preparing: public schema", flush=True)
            localstack.manage(env, "migrate_schemas", "--shared", "-v", "0")
            os.environ.update(env)
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            import django

            django.setup()
            started = time.perf_counter()
            lines_expected = load(args.partners, args.tenants)
            print(
                f"Loaded {args.partners} partners, {args.tenants} tenants, "
                f"{lines_expected:,} usage records in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            figures = measure(args.partners, args.tenants)
        finally:
            stripe_server.terminate()
            stripe_server.process.wait(timeout=10)
    report(figures)
    return 0


def load(partner_count: int, tenant_count: int) -> int:
    """Partners with customers and cards; active tenants with terms and a month of usage."""
    from django.db import connection

    from billing.models import BillingTerm, Plan, PlanPrice, Subscription, UsageRecord
    from billing.services.prices import set_price
    from billing.stripe_api import client
    from tenants.models import Partner, Tenant
    from tenants.services import create_partner

    rng = random.Random(2026)
    stripe = client()
    partners: list[Partner] = []
    for number in range(partner_count):
        partner = create_partner(
            name=f"Partner {number:02d}", contact_email=f"billing@partner{number:02d}.example"
        )
        add_good_card(partner, stripe)
        partners.append(partner)
    plans = list(Plan.objects.order_by("pk"))
    # A price change from the 16th of the month for the first plan.
    first_price = PlanPrice.objects.filter(plan=plans[0]).order_by("effective_from").first()
    assert first_price is not None
    set_price(
        plan=plans[0],
        effective_from=MONTH.replace(day=16),
        seat_price_minor=first_price.seat_price_minor + 10_000,
        included_storage_gb=first_price.included_storage_gb,
        extra_gb_price_minor=first_price.extra_gb_price_minor,
        actor="bench",
        reason="Mid-month price change",
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('tenants_tenant', 'id')) "
            "FROM generate_series(1, %s)",
            [tenant_count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    tenants = [
        Tenant(
            pk=tenant_id,
            schema_name=f"t_{tenant_id}",
            name=f"Department {index:04d}",
            kind=Tenant.Kind.DEPARTMENT,
            subdomain=f"dept{index:04d}",
            partner=partners[index % partner_count],
            state=Tenant.State.ACTIVE,
        )
        for index, tenant_id in enumerate(ids)
    ]
    Tenant.objects.bulk_create(tenants)
    now = datetime.datetime.now(datetime.UTC)
    Subscription.objects.bulk_create(
        Subscription(
            tenant=tenant, plan=plans[index % len(plans)], assigned_at=now, assigned_by="bench"
        )
        for index, tenant in enumerate(tenants)
    )
    terms: list[BillingTerm] = []
    opened: dict[int, int] = {}
    for index, tenant in enumerate(tenants):
        plan = plans[index % len(plans)]
        start = MONTH
        if index % 20 == 1:  # opened mid-month
            start = MONTH.replace(day=rng.randint(5, 25))
            opened[tenant.pk] = start.day
        terms.append(term(tenant, tenant.partner, plan, start))
        if index % 20 == 2:  # changed plan mid-month
            terms.append(term(tenant, tenant.partner, plans[(index + 1) % len(plans)], day(15)))
        if index % 20 == 3:  # changed partner mid-month
            other = partners[(index + 1) % partner_count]
            terms.append(term(tenant, other, plan, day(10)))
    BillingTerm.objects.bulk_create(terms)

    records: list[UsageRecord] = []
    for tenant in tenants:
        officers = rng.randint(40, 900)
        storage = rng.randint(5, 900) * 10**9
        seen = 0
        for day_number in range(opened.get(tenant.pk, 1), 31):
            active = rng.randint(officers // 3, officers)
            seen = min(officers, max(seen, active) + rng.randint(0, 5))
            storage += rng.randint(0, 2) * 10**8
            records.append(
                UsageRecord(
                    tenant=tenant,
                    day=day(day_number),
                    officers=officers,
                    officers_active=active,
                    officers_active_month=seen,
                    storage_bytes=storage,
                )
            )
    UsageRecord.objects.bulk_create(records, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(records)


def day(number: int) -> datetime.date:
    return MONTH.replace(day=number)


def term(tenant: Any, partner: Any, plan: Any, start: datetime.date) -> Any:
    from billing.models import BillingTerm

    return BillingTerm(
        tenant=tenant, partner=partner, plan=plan, effective_from=start, recorded_by="bench"
    )


def add_good_card(partner: Any, stripe: Any) -> None:
    """What the portal's Stripe.js does: a SetupIntent confirmed with a card, then recorded."""
    from billing.services.payment_methods import record_setup, start_card_setup

    secret = start_card_setup(partner=partner, actor="bench")
    intent_id = secret.split("_secret_")[0]
    method = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.setup_intents.confirm(intent_id, params={"payment_method": method.id})
    record_setup(partner=partner, setup_intent_id=intent_id, actor="bench")


def month_end() -> tuple[float, float, int, list[Any]]:
    """One month end as the platform runs it: rate and finalise, then collect every invoice.

    Returns (rating seconds, collection seconds, invoices sent, requests sent to Stripe)."""
    from billing.models import Invoice
    from billing.services.collection import send_invoice_to_stripe
    from billing.services.invoices import run_month_end
    from billing.stripe_api import recording

    with recording() as sent:
        started = time.perf_counter()
        run_month_end(month=MONTH, actor="bench")
        rated = time.perf_counter()
        unpaid = list(
            Invoice.objects.filter(
                period_start=MONTH, state__in=[Invoice.State.FINALISED, Invoice.State.OVERDUE]
            ).values_list("pk", flat=True)
        )
        for invoice_id in unpaid:
            send_invoice_to_stripe(invoice_id=invoice_id)
        collected = time.perf_counter()
    return rated - started, collected - rated, len(unpaid), list(sent)


def stripe_invoice_count() -> int:
    """Invoices Stripe holds, summed over every partner's customer."""
    from billing.models import BillingAccount
    from billing.stripe_api import client

    stripe = client()
    total = 0
    for customer in BillingAccount.objects.values_list("stripe_customer_id", flat=True):
        page = stripe.v1.invoices.list(params={"customer": customer, "limit": 100})
        total += len(page.data)
    return total


def tenant_by_tenant_rating_seconds() -> float:
    """The baseline: the same month rated one tenant at a time (its own queries each)."""
    from billing.rating_inputs import month_inputs
    from billing.services.invoices import rate_inputs
    from tenants.models import Tenant

    started = time.perf_counter()
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        rate_inputs(month_inputs(MONTH, tenant_ids=[tenant_id]))
    return time.perf_counter() - started


def measure(partner_count: int, tenant_count: int) -> dict[str, Any]:
    from billing.models import Invoice, InvoiceLine

    print("Month end: rating, finalising, sending to Stripe and charging", flush=True)
    rating, collection, sent_invoices, requests = month_end()
    live = Invoice.objects.filter(period_start=MONTH).exclude(state=Invoice.State.VOID)
    lines = InvoiceLine.objects.filter(invoice__in=live).count()
    paid = live.filter(state=Invoice.State.PAID).count()
    stripe_invoices = stripe_invoice_count()
    print("Month end again (a re-run after a crash or a second trigger)", flush=True)
    rerun_rating, rerun_collection, _, rerun_requests = month_end()
    new_objects = objects_made(rerun_requests) + (stripe_invoice_count() - stripe_invoices)
    add_lines_calls = sum(1 for r in requests if lines_added(r))
    print("Baseline: the same rating tenant by tenant", flush=True)
    baseline = tenant_by_tenant_rating_seconds()
    return {
        "partners": partner_count,
        "tenants": tenant_count,
        "invoices": live.count(),
        "invoices_paid": paid,
        "invoice_lines": lines,
        "invoices_sent": sent_invoices,
        "rating_seconds": round(rating, 2),
        "collection_seconds": round(collection, 2),
        "month_end_seconds": round(rating + collection, 2),
        "stripe_calls": len(requests),
        "stripe_calls_per_invoice_line": round(len(requests) / max(lines, 1), 3),
        "stripe_add_lines_calls": add_lines_calls,
        "stripe_lines_per_add_lines_call": round(
            sum(lines_added(r) for r in requests) / max(add_lines_calls, 1), 1
        ),
        "rerun_seconds": round(rerun_rating + rerun_collection, 2),
        "rerun_stripe_calls": len(rerun_requests),
        "rerun_new_stripe_objects": new_objects,
        "baseline_tenant_by_tenant_rating_seconds": round(baseline, 2),
        "target_month_end_seconds": TARGET_SECONDS,
    }


def report(figures: dict[str, Any]) -> None:
    print()
    print(
        f"{figures['partners']} partners, {figures['tenants']:,} tenants: "
        f"{figures['invoices']} invoices ({figures['invoices_paid']} paid), "
        f"{figures['invoice_lines']:,} lines"
    )
    rows = [
        (
            "month end (rate + finalise + Stripe)",
            f"{figures['month_end_seconds']:.1f} s",
            f"target {TARGET_SECONDS:.0f} s",
        ),
        (
            "  rating and finalising",
            f"{figures['rating_seconds']:.1f} s",
            f"tenant by tenant: {figures['baseline_tenant_by_tenant_rating_seconds']:.1f} s",
        ),
        ("  sending to Stripe and charging", f"{figures['collection_seconds']:.1f} s", ""),
        (
            "Stripe calls per invoice line",
            f"{figures['stripe_calls_per_invoice_line']:.3f}",
            "target at most 1",
        ),
        (
            "  lines per add_lines call",
            f"{figures['stripe_lines_per_add_lines_call']:.1f}",
            f"{figures['stripe_add_lines_calls']} calls; at most 50 lines a call",
        ),
        ("re-run: new Stripe objects", str(figures["rerun_new_stripe_objects"]), "target 0"),
        ("re-run: Stripe calls", str(figures["rerun_stripe_calls"]), ""),
    ]
    width = max(len(label) for label, _, _ in rows)
    for label, ours, baseline in rows:
        print(f"  {label:<{width}}  {ours:>10}   {baseline}")
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
