"""The federal implementation report at 5,000 tenants: roll-ups, the report page and exports,
collecting a tenant's day, against walking every tenant's schema.

    make bench-report       (or: .venv/bin/python bench/report.py)

In a database of its own (`eoffice_bench`, on DATABASE_URL's server or the embedded one):

- a small platform first, 50 tenants with a year of daily usage (bench/report_data.py), rolled
  up; the report page measured on it as a federal administrator, for its queries;
- then 4,950 more (5,000 tenants: 40 ministries, three with hundreds of departments, and six
  provinces; 1.8 million usage records, COPY), and their 60,000 tenant-months rolled up by
  reports.services.rollup_sets.roll_up_month_for_all (one statement a month), beside
  roll_up_month tenant by tenant on a sample, extrapolated to the 60,000 (and the sample's rows
  checked equal to the set-based ones);
- the report page (`console:report`) at 5,000 tenants as a federal administrator through
  Django's request handling in process (the test client, timed around `client.get`): median
  and p95 of --requests requests, queries counted; then "cold", the cache emptied before each
  request (the first request after a roll-up: the sums and rankings kept for the figures'
  version are computed again); the CSV and PDF exports likewise;
- collecting one tenant's day as the nightly task does (billing.tasks.usage), on a tenant
  loaded with the e-office benchmark's data set (bench/eoffice_data.py: 100,000 receipts,
  50,000 files): the reads in its schema, and the whole collection (read, record, roll-up
  queued);
- the baseline the roll-ups replace: the month's figures computed live by walking every
  schema (each tenant: its schema, each day's usage_on, work_on and day_figures, then the
  pendency snapshot). 5,000 real schemas take too long to make, so --walk-schemas real
  schemas with a smaller data set each are walked and the time extrapolated linearly to
  5,000 tenants (the table says so).

Pages a URL of which is not built yet (NoReverseMatch) are skipped with a message. Ends with one
JSON line of the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import eoffice_data, report_data
from bench.common import BENCH_DATABASE, localstack, recreate_database

ACTOR = "bench"
PAGE_TARGET_SECONDS = 0.150
COLLECT_TARGET_SECONDS = 5.0
MONTHS = 12
SMALL_RUN = 50
PARTNERS = 100
ADMIN_EMAIL = "federal@bench.example"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests of the page")
    parser.add_argument("--csv-requests", type=int, default=5, help="timed CSV exports")
    parser.add_argument(
        "--pdf-requests", type=int, default=1, help="timed PDF exports (about a minute each)"
    )
    parser.add_argument("--rollup-sample", type=int, default=300, help="per-tenant roll-ups")
    parser.add_argument("--walk-schemas", type=int, default=5, help="real schemas walked")
    parser.add_argument(
        "--walk-scale",
        type=float,
        default=0.1,
        help="each walked schema's data, as a share of the e-office data set (default 0.1)",
    )
    parser.add_argument("--database-name", default=BENCH_DATABASE)
    args = parser.parse_args()
    if args.tenants <= SMALL_RUN + 46:
        parser.error(f"needs more than {SMALL_RUN + 46} tenants (the ministries and provinces)")

    with localstack.database() as env:
        env["DATABASE_URL"] = recreate_database(env["DATABASE_URL"], args.database_name)
        env["CELERY_QUEUE"] = "eoffice-bench"
        # The roll-up a recorded day queues stays in this process: no worker of another
        # database ever sees the benchmark's tasks.
        env["CELERY_BROKER_URL"] = "memory://"
        print("Preparing: public schema, template schema and its blueprint", flush=True)
        localstack.manage(env, "migrate_tenants", "-v", "0")
        env["DJANGO_DEBUG"] = "false"
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        # The PDF export's renderer and its font subsetter log each step at INFO; the figures
        # are the output here.
        for renderer in ("weasyprint", "fontTools"):
            logging.getLogger(renderer).setLevel(logging.WARNING)
        figures = run(args, env["DATABASE_URL"])
    report(args, figures)
    return 0


def say(line: str) -> None:
    print(line, flush=True)


def report_month() -> datetime.date:
    """The last finished month, whose report is read."""
    from billing.tasks.usage import local_today

    return (local_today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def shift(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    from accounts.services import create_account
    from tenants.services import create_partner

    month = report_month()
    first_month = shift(month, -(MONTHS - 1))
    months = [shift(first_month, n) for n in range(MONTHS)]
    figures: dict[str, Any] = {"month": month.isoformat(), "months": MONTHS}
    create_account(email=ADMIN_EMAIL, full_name="Federal Bench", is_staff=True)
    partners = [
        create_partner(name=f"Partner {n:03d}", contact_email=f"ops@partner{n:03d}.example").pk
        for n in range(PARTNERS)
    ]

    say(f"Small run: {SMALL_RUN} tenants, {MONTHS} months from {first_month:%Y-%m}")
    report_data.load(SMALL_RUN, first_month=first_month, months=MONTHS, partner_ids=partners)
    set_based_roll_up(months)
    figures["page_50"] = measure_page(month, args.requests)

    more = args.tenants - SMALL_RUN
    say(f"Loading {more:,} more tenants ({args.tenants:,} in all)")
    started = time.perf_counter()
    report_data.load(
        more, first_month=first_month, months=MONTHS, partner_ids=partners, say=say, seed=2027
    )
    figures["load_seconds"] = time.perf_counter() - started
    figures["usage_records"] = usage_records()
    say(f"  loaded in {figures['load_seconds']:.1f} s")

    say(f"Rolling up {args.tenants * MONTHS:,} tenant-months, set-based")
    figures["rollup"] = set_based_roll_up(months)
    say(f"  {figures['rollup']['seconds']:.1f} s, {figures['rollup']['rows']:,} rows")
    figures["rollup_per_tenant"] = per_tenant_sample(month, args.rollup_sample)
    say(
        f"  per tenant: {figures['rollup_per_tenant']['seconds']:.1f} s for "
        f"{args.rollup_sample}, rows identical: {figures['rollup_per_tenant']['identical']}"
    )

    say(f"Report page at {args.tenants:,} tenants")
    figures["page_5000"] = measure_page(month, args.requests)
    figures["csv"] = measure_export("console:report_csv", month, args.csv_requests)
    figures["pdf"] = measure_export("console:report_pdf", month, args.pdf_requests)

    say("Collecting one tenant's day (e-office data set)")
    figures["collect"] = measure_collect(database_url)
    say(f"Walking {args.walk_schemas} real schemas for {month:%B %Y}")
    figures["walk"] = measure_walk(database_url, month, args.walk_schemas, args.walk_scale)
    figures["walk"]["big_tenant_seconds"] = walk(
        [figures["collect"]["schema"]], month, by_schema=True
    )
    figures["load_average"] = os.getloadavg()[0]
    figures["cpus"] = os.cpu_count()
    return figures


def usage_records() -> int:
    from billing.models import UsageRecord

    return UsageRecord.objects.count()


# --- Roll-ups ----------------------------------------------------------------------------------


def set_based_roll_up(months: list[datetime.date]) -> dict[str, Any]:
    from reports.services.rollup_sets import roll_up_month_for_all

    by_month: dict[str, float] = {}
    rows = 0
    for month in months:
        started = time.perf_counter()
        rows += roll_up_month_for_all(month)
        by_month[month.isoformat()] = time.perf_counter() - started
    return {"seconds": sum(by_month.values()), "rows": rows, "by_month": by_month}


def per_tenant_sample(month: datetime.date, sample: int) -> dict[str, Any]:
    """roll_up_month for `sample` tenants of the month (spread over the platform), and whether
    it rewrote the rows the set-based roll-up wrote exactly."""
    from reports.models import MonthlyFigures
    from reports.services.rollup import roll_up_month, tenants_to_roll_up

    everyone = tenants_to_roll_up(month)
    chosen = everyone[:: max(1, len(everyone) // sample)][:sample]

    def rows() -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for row in MonthlyFigures.objects.filter(month=month, tenant_id__in=chosen).values():
            values: dict[str, Any] = dict(row)
            del values["id"], values["updated_at"]
            found[values["tenant_id"]] = values
        return found

    before = rows()
    started = time.perf_counter()
    for tenant_id in chosen:
        roll_up_month(tenant_id=tenant_id, month=month)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "sample": len(chosen),
        "per_tenant_month_ms": seconds / len(chosen) * 1000,
        "identical": rows() == before,
    }


# --- Pages -------------------------------------------------------------------------------------


def admin_client() -> Any:
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN or "localhost")
    client.force_login(User.objects.get(email=ADMIN_EMAIL))
    return client


def url_of(name: str, month: datetime.date) -> str | None:
    """The URL, or None (and a message) while the view is not built."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    # The console is the control plane's: its URLs, not the tenants' (ROOT_URLCONF).
    urlconf = settings.PUBLIC_SCHEMA_URLCONF
    try:
        if name == "console:report":
            return reverse(name, urlconf=urlconf) + f"?month={month:%Y-%m}"
        return reverse(name, urlconf=urlconf, kwargs={"month": f"{month:%Y-%m}"})
    except NoReverseMatch:
        say(f"  SKIPPED {name}: no such URL yet (NoReverseMatch); its figures are left out")
        return None


def timed(client: Any, url: str, requests: int, warmup: int = 2) -> dict[str, Any]:
    """Server time of `requests` GETs after `warmup` untimed ones; the queries of one more
    request, or of the first timed one when there is no warm-up (an export that takes a
    minute to render is rendered as few times as it can be)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        check(client.get(url), url)
    timings = []
    counted = None
    for number in range(requests):
        # Counting records each statement; only a request that is counted pays for it.
        capture = warmup == 0 and number == 0
        with CaptureQueriesContext(connection) if capture else contextlib.nullcontext() as seen:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        check(response, url)
        if seen is not None:
            counted = len(seen.captured_queries)
    if counted is None:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        counted = len(captured.captured_queries)
    return {
        "url": url,
        "median_seconds": statistics.median(timings),
        "p95_seconds": p95(timings),
        "requests": len(timings),
        "queries": counted,
        "bytes": len(response.content),
    }


def check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]}")


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def measure_page(month: datetime.date, requests: int) -> dict[str, Any] | None:
    url = url_of("console:report", month)
    if url is None:
        return None
    client = admin_client()
    result = timed(client, url, requests)
    result["cold"] = cold(client, url, max(5, requests // 3))
    say(
        f"  report page: median {result['median_seconds'] * 1000:.1f} ms, "
        f"p95 {result['p95_seconds'] * 1000:.1f} ms, {result['queries']} queries; "
        f"cold median {result['cold']['median_seconds'] * 1000:.1f} ms, "
        f"{result['cold']['queries']} queries"
    )
    return result


def cold(client: Any, url: str, requests: int) -> dict[str, Any]:
    """The page right after its figures changed: the cache emptied before every request, so
    the sums and rankings kept for the figures' version (reports.selectors.freshness) are
    computed again, as on the first request after a roll-up."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for number in range(requests):
        cache.clear()
        with CaptureQueriesContext(connection) if number == 0 else contextlib.nullcontext() as seen:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        check(response, url)
        if seen is not None:
            queries = len(seen.captured_queries)
    return {"median_seconds": statistics.median(timings), "queries": queries}


def measure_export(name: str, month: datetime.date, requests: int) -> dict[str, Any] | None:
    url = url_of(name, month)
    if url is None:
        return None
    result = timed(admin_client(), url, requests, warmup=0)
    say(
        f"  {name}: median {result['median_seconds']:.2f} s, {result['queries']} queries, "
        f"{result['bytes']:,} bytes"
    )
    return result


# --- Collecting a day, and walking the schemas -------------------------------------------------


def provision(subdomain: str, name: str) -> Any:
    """A tenant provisioned as the platform does it (the template's clone), billable for the
    past year so that its days are collected."""
    from billing.models import BillingTerm, Plan
    from billing.tasks.usage import local_today
    from provisioning.services import provision_tenant
    from tenants.services import register_tenant, transition_tenant

    tenant = register_tenant(name=name, kind="department", subdomain=subdomain, actor=ACTOR)
    transition_tenant(tenant=tenant, to_state="approved", actor=ACTOR)
    tenant = provision_tenant(tenant=tenant, actor=ACTOR)
    BillingTerm.objects.create(
        tenant=tenant,
        partner=None,
        plan=Plan.objects.get(code="standard"),
        effective_from=local_today() - datetime.timedelta(days=365),
        recorded_by=ACTOR,
        reason="Benchmark",
    )
    return tenant


def measure_collect(database_url: str) -> dict[str, Any]:
    from billing.tasks.usage import _figures_in_schema, collect_usage, local_today

    tenant = provision("bench-collect", "Bench Collected Department")
    loaded = eoffice_data.load(tenant.schema_name, database_url, say=say)
    # Yesterday: the nightly run's day, the one whose figures include pendency.
    day = local_today() - datetime.timedelta(days=1)
    started = time.perf_counter()
    read = _figures_in_schema(tenant, day)
    read_seconds = time.perf_counter() - started
    assert read is not None
    started = time.perf_counter()
    record_id = collect_usage.run(tenant.pk, day.isoformat())
    seconds = time.perf_counter() - started
    assert record_id is not None, "the day was not collected"
    say(f"  reads in its schema {read_seconds:.2f} s; whole collection {seconds:.2f} s")
    return {
        "schema": tenant.schema_name,
        "read_seconds": read_seconds,
        "seconds": seconds,
        "rows": loaded.counts,
        "pendency_measured": bool(read[1].get("pendency_measured")),
    }


def measure_walk(
    database_url: str, month: datetime.date, schemas: int, scale: float
) -> dict[str, Any]:
    size = eoffice_data.Scale()
    small = eoffice_data.Scale(
        receipts=int(size.receipts * scale),
        files=int(size.files * scale),
        movements=int(size.movements * scale),
        notes=int(size.notes * scale),
    )
    names = []
    started = time.perf_counter()
    for number in range(schemas):
        tenant = provision(f"bench-walk-{number:02d}", f"Bench Walked Department {number:02d}")
        eoffice_data.load(tenant.schema_name, database_url, scale=small, say=lambda line: None)
        names.append(tenant.schema_name)
    say(
        f"  {schemas} schemas of {small.receipts:,} receipts and {small.files:,} files made in "
        f"{time.perf_counter() - started:.1f} s"
    )
    seconds = walk(names, month)
    say(f"  walked in {seconds:.1f} s")
    return {"schemas": schemas, "seconds": seconds, "scale": scale, "receipts": small.receipts}


def walk(schema_names: list[str], month: datetime.date, *, by_schema: bool = False) -> float:
    """The month's figures computed live: per tenant, its schema, every day's usage and
    figures, and the pendency snapshot (what a report without roll-ups would have to do)."""
    from django_tenants.utils import tenant_context

    from billing.tasks.usage import local_today
    from eoffice.selectors.figures import day_figures, pendency_snapshot
    from eoffice.selectors.usage import usage_on, work_on
    from reports.services.rollup import last_of_month
    from tenants.models import Tenant

    days = [
        month + datetime.timedelta(days=n) for n in range((last_of_month(month) - month).days + 1)
    ]
    tenants = list(Tenant.objects.filter(schema_name__in=schema_names))
    started = time.perf_counter()
    for tenant in tenants:
        with tenant_context(tenant):
            for day in days:
                usage_on(day)
                work_on(day)
                day_figures(day)
            pendency_snapshot(local_today())
    seconds = time.perf_counter() - started
    if by_schema:
        say(f"  the e-office data set's schema walked in {seconds:.1f} s")
    return seconds


# --- Report ------------------------------------------------------------------------------------


def report(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    tenants, months = args.tenants, figures["months"]
    tenant_months = tenants * months
    walk_figures = figures["walk"]
    days = (
        shift(datetime.date.fromisoformat(figures["month"]), 1) - datetime.timedelta(days=1)
    ).day
    walk_all = walk_figures["seconds"] / walk_figures["schemas"] * tenants
    per_tenant = figures["rollup_per_tenant"]
    per_tenant_all = per_tenant["seconds"] / per_tenant["sample"] * tenant_months
    page50, page = figures["page_50"], figures["page_5000"]
    csv, pdf, collect = figures["csv"], figures["pdf"], figures["collect"]

    def ms(result: dict[str, Any] | None, key: str = "median_seconds") -> str:
        return "skipped" if result is None else f"{result[key] * 1000:.1f} ms"

    def secs(result: dict[str, Any] | None) -> str:
        return "skipped" if result is None else f"{result['median_seconds']:.2f} s"

    print(
        f"\n{tenants:,} tenants, {figures['usage_records']:,} usage records, report of "
        f"{figures['month'][:7]}; load average {figures['load_average']:.1f} on "
        f"{figures['cpus']} CPUs"
    )
    rows = [
        (
            "report page median, 5,000 tenants",
            ms(page),
            f"target {PAGE_TARGET_SECONDS * 1000:.0f} ms",
        ),
        ("report page p95, 5,000 tenants", ms(page, "p95_seconds"), ""),
        (
            "report page median, cold (after a roll-up)",
            "skipped" if page is None else f"{page['cold']['median_seconds'] * 1000:.1f} ms",
            "every request recomputes the sums and rankings",
        ),
        (
            "report page queries cold, 50 / 5,000",
            "skipped"
            if page is None or page50 is None
            else f"{page50['cold']['queries']} / {page['cold']['queries']}",
            "must be equal",
        ),
        ("report page median, 50 tenants", ms(page50), ""),
        (
            "report page queries, 50 / 5,000",
            "skipped"
            if page is None or page50 is None
            else f"{page50['queries']} / {page['queries']}",
            "must be equal",
        ),
        ("CSV export, 5,000 tenants", secs(csv), ""),
        ("PDF export, 5,000 tenants", secs(pdf), ""),
        (
            f"roll-up of {tenant_months:,} tenant-months, set-based",
            f"{figures['rollup']['seconds']:.1f} s",
            f"per tenant: {per_tenant_all:,.0f} s (extrapolated from {per_tenant['sample']})",
        ),
        (
            "  rows of the per-tenant sample identical",
            str(per_tenant["identical"]),
            "must be True",
        ),
        (
            "collect one tenant's day (read + record)",
            f"{collect['seconds']:.2f} s",
            f"target < {COLLECT_TARGET_SECONDS:.0f} s "
            f"(reads alone {collect['read_seconds']:.2f} s)",
        ),
        (
            "walk every schema for the month (baseline)",
            f"{walk_all:,.0f} s",
            f"extrapolated from {walk_figures['schemas']} schemas x {days} days "
            f"({walk_figures['seconds']:.1f} s) to {tenants:,}",
        ),
        (
            "  the e-office data set's one schema",
            f"{walk_figures['big_tenant_seconds']:.1f} s",
            "100,000 receipts, 50,000 files",
        ),
        (
            "report page (live roll-ups) vs walk",
            ms(page),
            f"walk-all {walk_all:,.0f} s"
            + (f": {walk_all / page['median_seconds']:,.0f}x longer" if page else ""),
        ),
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    print(f"{'figure':<{width}}{'ours':>14}   baseline / target")
    for label, ours, baseline in rows:
        print(f"{label:<{width}}{ours:>14}   {baseline}")

    def field(result: dict[str, Any] | None, key: str) -> Any:
        return None if result is None else result[key]

    print(
        json.dumps(
            {
                "bench": "report",
                "tenants": tenants,
                "usage_records": figures["usage_records"],
                "month": figures["month"],
                "report_page_median_seconds": field(page, "median_seconds"),
                "report_page_p95_seconds": field(page, "p95_seconds"),
                "report_page_cold_median_seconds": field(page and page["cold"], "median_seconds"),
                "report_page_cold_queries_50": field(page50 and page50["cold"], "queries"),
                "report_page_cold_queries_5000": field(page and page["cold"], "queries"),
                "report_page_median_seconds_50": field(page50, "median_seconds"),
                "report_page_queries_50": field(page50, "queries"),
                "report_page_queries_5000": field(page, "queries"),
                "csv_seconds": field(csv, "median_seconds"),
                "pdf_seconds": field(pdf, "median_seconds"),
                "rollup_seconds": figures["rollup"]["seconds"],
                "rollup_rows": figures["rollup"]["rows"],
                "rollup_per_tenant_seconds_extrapolated": per_tenant_all,
                "rollup_per_tenant_sample": per_tenant["sample"],
                "rollup_sample_identical": per_tenant["identical"],
                "collect_one_tenant_seconds": collect["seconds"],
                "collect_reads_seconds": collect["read_seconds"],
                "walk_all_schemas_seconds": walk_all,
                "walk_all_schemas_extrapolated_from": walk_figures["schemas"],
                "walk_measured_seconds": walk_figures["seconds"],
                "walk_big_schema_seconds": walk_figures["big_tenant_seconds"],
                "load_seconds": figures["load_seconds"],
                "page_target_seconds": PAGE_TARGET_SECONDS,
                "collect_target_seconds": COLLECT_TARGET_SECONDS,
                "load_average": figures["load_average"],
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
