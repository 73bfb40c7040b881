"""Listing pages with realistic data: the inbox, a file page with 50 notes, the receipt register.

    make bench-eoffice           (or: .venv/bin/python bench/eoffice.py)

In a database of its own (`eoffice_bench`, on DATABASE_URL's server or the embedded one) it
provisions one tenant, loads it with a department's three years of work (bench/eoffice_data.py:
200 posts, 100,000 receipts, 50,000 files, 250,000 movements and 250,000 sent notes), and
measures each page's server time through Django's own request handling, in process: the test
client on the tenant's host, signed in as the officer whose page it is, timed around
`client.get` (middleware, session, view, queries and template; no network, no browser).

- the inbox of Deputy Secretary (Admin), 3,402 items with the post: default, by priority,
  overdue only, files only, page 5;
- a file page: a file with 50 sent notes, its correspondence and its movements;
- the receipt register of the Central Registry (70,000 receipts): its own diary, everything it
  can see, a text search, one year, page 3.

Loading takes about 40 s and the whole run under three minutes on two cores. `--reuse` measures
again on the data of the previous run (kept in the database), for work on the pages.

For each page: median and p95 of --requests timed requests (the page's variants in turn, after
a warm-up) and the queries per request. "No query per row" is checked, not assumed: a page of
the inbox and of the register takes as many queries as a page with another number of rows, and
the 50-note file as many as a 5-note file. Beside each figure: the issue's 100 ms target and a
naive baseline measured in the same run on the same data (the same rows fetched with plain ORM
access, no select_related, and an access check per row, as a first version would; rows only,
no template or middleware, so it flatters the baseline). Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import eoffice_data
from bench.common import BENCH_DATABASE, ROOT, localstack, recreate_database

SUBDOMAIN = "bench-eoffice"
TARGET_MS = 100.0
ACTOR = "bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per variant")
    parser.add_argument(
        "--database-name",
        default=BENCH_DATABASE,
        help="the benchmark's own database, dropped and recreated (default: %(default)s)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the data an earlier run left in --database-name (no reload)",
    )
    args = parser.parse_args()

    with localstack.database() as env:
        saved = ROOT / ".local" / f"{args.database_name}.eoffice.json"
        if args.reuse:
            env["DATABASE_URL"] = _database_url(env["DATABASE_URL"], args.database_name)
        else:
            env["DATABASE_URL"] = recreate_database(env["DATABASE_URL"], args.database_name)
            print("Preparing: public schema, template schema and its blueprint", flush=True)
            localstack.manage(env, "migrate_tenants", "-v", "0")
        # Requests are served as in production: no debug page, no query log kept per request.
        env["DJANGO_DEBUG"] = "false"
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        if args.reuse:
            loaded = eoffice_data.Loaded(**json.loads(saved.read_text()))
        else:
            loaded = provision_and_load(env["DATABASE_URL"])
            saved.parent.mkdir(exist_ok=True)
            saved.write_text(json.dumps(asdict(loaded)))
        print("Measuring", flush=True)
        figures = measure(loaded, args.requests, args.warmup)
    report(loaded, figures)
    return 0


def _database_url(server_url: str, name: str) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def provision_and_load(database_url: str) -> eoffice_data.Loaded:
    """One tenant provisioned as the platform does it, then filled by bench/eoffice_data.py."""
    from provisioning.services import provision_tenant
    from tenants.services import register_tenant, transition_tenant

    started = time.perf_counter()
    tenant = register_tenant(
        name="Bench Department", kind="department", subdomain=SUBDOMAIN, actor=ACTOR
    )
    transition_tenant(tenant=tenant, to_state="approved", actor=ACTOR)
    tenant = provision_tenant(tenant=tenant, actor=ACTOR)
    print(f"Provisioned {tenant.schema_name} in {time.perf_counter() - started:.1f} s", flush=True)
    print("Loading the e-office", flush=True)
    loaded = eoffice_data.load(
        tenant.schema_name, database_url, say=lambda line: print(line, flush=True)
    )
    print(
        f"Loaded in {loaded.seconds:.1f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in loaded.counts.items()),
        flush=True,
    )
    return loaded


# Each page's variants: a query string, with the same filters as keyword arguments of its
# naive baseline. The first is the page's default view, used for the query-per-row checks.
Variant = tuple[str, dict[str, Any]]


def inbox_variants(loaded: eoffice_data.Loaded) -> list[Variant]:
    return [
        ("", {}),
        ("?sort=priority", {"sort": "priority"}),
        ("?overdue=1", {"overdue": True}),
        ("?kind=file", {"kind": "file"}),
        ("?page=5", {"page": 5}),
    ]


def register_variants(loaded: eoffice_data.Loaded) -> list[Variant]:
    return [
        ("", {}),
        ("?scope=all", {"scope": "all"}),
        (f"?q={loaded.search_word}", {"query": loaded.search_word}),
        (f"?year={loaded.current_year - 1}", {"year": loaded.current_year - 1}),
        ("?page=3", {"page": 3}),
    ]


def measure(loaded: eoffice_data.Loaded, requests: int, warmup: int) -> dict[str, Any]:
    """Every page's server time and queries, its naive baseline's, and the per-row checks."""
    from django.test import Client
    from django.urls import reverse
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from tenants.models import Domain, Tenant

    tenant = Tenant.objects.get(schema_name=loaded.schema)
    host = Domain.objects.get(tenant=tenant, is_primary=True).domain
    clients: dict[str, Client] = {}
    officers: dict[str, User] = {}
    with tenant_context(tenant):
        for who, email in (("inbox", loaded.inbox_officer), ("registry", loaded.registry_officer)):
            officers[who] = User.objects.get(email=email)
            clients[who] = Client(HTTP_HOST=host)
            # Signed in as the login view would leave them: a session in the tenant's schema.
            clients[who].force_login(officers[who])

    inbox, register = reverse("inbox"), reverse("register")
    file_page = reverse("item", args=[loaded.big_file_id])
    pages: dict[str, dict[str, Any]] = {
        "inbox": {
            "client": clients["inbox"],
            "urls": [inbox + query for query, _ in inbox_variants(loaded)],
        },
        "file": {"client": clients["inbox"], "urls": [file_page]},
        "register": {
            "client": clients["registry"],
            "urls": [register + query for query, _ in register_variants(loaded)],
        },
    }
    figures: dict[str, Any] = {}
    for name, page in pages.items():
        figures[name] = time_requests(page["client"], page["urls"], requests, warmup)
        profiles = {url: profile_queries(partial(page["client"].get, url)) for url in page["urls"]}
        figures[name]["queries"] = {url: p["queries"] for url, p in profiles.items()}
        figures[name]["query_profiles"] = profiles
        print(
            f"  {name}: median {figures[name]['median_ms']:.1f} ms, "
            f"p95 {figures[name]['p95_ms']:.1f} ms",
            flush=True,
        )

    with tenant_context(tenant):
        figures["naive"] = measure_naive(loaded, officers, requests)
    figures["per_row"] = per_row_checks(loaded, tenant, clients)
    # Other work on the machine slows every figure; the one-minute load average says how much.
    figures["load_average"] = os.getloadavg()[0]
    figures["cpus"] = os.cpu_count()
    return figures


def time_requests(client: Any, urls: list[str], requests: int, warmup: int) -> dict[str, Any]:
    """Server time of `requests` GETs, the URLs in turn, after `warmup` untimed GETs of each."""
    for url in urls:
        for _ in range(warmup):
            check(client.get(url), url)
    timings: dict[str, list[float]] = {url: [] for url in urls}
    for number in range(requests):
        url = urls[number % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings[url].append((time.perf_counter() - started) * 1000)
        check(response, url)
    every = [ms for url_timings in timings.values() for ms in url_timings]
    return {
        "median_ms": statistics.median(every),
        "p95_ms": p95(every),
        "requests": len(every),
        "by_url_median_ms": {url: statistics.median(ms) for url, ms in timings.items()},
    }


def check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]}")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def count_queries(action: Callable[[], Any]) -> int:
    return profile_queries(action)["queries"]


def profile_queries(action: Callable[[], Any]) -> dict[str, Any]:
    """The statements `action` sends: how many, how many of them are django-tenants' `SET
    search_path` (sent before every query unless TENANT_LIMIT_SET_CALLS is on), and the
    slowest one, to say where a slow page spends its time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    statements = captured.captured_queries
    nothing: dict[str, Any] = {"time": 0, "sql": ""}
    slowest: dict[str, Any] = max(statements, key=lambda q: float(q["time"]), default=nothing)
    return {
        "queries": len(statements),
        "set_search_path": sum(q["sql"].startswith("SET search_path") for q in statements),
        "all_ms": sum(float(q["time"]) for q in statements) * 1000,
        "slowest_ms": float(slowest["time"]) * 1000,
        "slowest_sql": _statement(slowest["sql"]),
    }


# --- The naive baseline ------------------------------------------------------------------------
# The same rows as each page shows, fetched as a first version would: the page's own queryset
# without select_related, every related row the template shows read on access, and an access
# check (can_see) per row. Rows only: no middleware, form or template, which flatters it.


def naive_inbox(officer: Any, *, page: int = 1, **filters: Any) -> None:
    from django.core.paginator import Paginator

    from eoffice.selectors.access import can_see, desk_of
    from eoffice.selectors.trays import TrayFilter, items_in_tray, tray_counts
    from eoffice.views.trays import PAGE_SIZE

    desk = desk_of(officer)
    rows = items_in_tray(desk, "inbox", TrayFilter(**filters)).select_related(None)
    for item in Paginator(rows, PAGE_SIZE).get_page(page):
        if can_see(desk, item):
            last = item.last_movement
            _ = (item.category.name, item.holder_post.abbreviation)
            if last is not None:
                _ = (last.from_post.abbreviation, last.by.full_name)
    tray_counts(desk)


def naive_register(officer: Any, *, page: int = 1, **filters: Any) -> None:
    from django.core.paginator import Paginator

    from eoffice.selectors.access import can_see, desk_of
    from eoffice.selectors.register import RegisterFilter, register
    from eoffice.views.registry import PAGE_SIZE

    desk = desk_of(officer)
    rows = register(desk, RegisterFilter(**filters)).select_related(None)
    for receipt in Paginator(rows, PAGE_SIZE).get_page(page):
        if can_see(desk, receipt):
            _ = (receipt.category.name, receipt.holder_post.abbreviation)


def naive_file(officer: Any, *, pk: int) -> None:
    from django.db.models import Q

    from eoffice.models import File, Item, Note
    from eoffice.selectors.access import can_see, desk_of

    desk = desk_of(officer)
    if not can_see(desk, Item.objects.get(pk=pk)):
        raise RuntimeError("the naive file page may not see its file")
    file = File.objects.get(pk=pk)
    last = file.last_movement
    _ = (file.holder_post, file.created_post, file.created_by, file.category, file.office)
    _ = (last.from_post, last.to_post) if last else None
    drafts = Q(status=Note.Status.DRAFT, author=officer, draft_for_post__isnull=True)
    for note in file.notes.filter(Q(status=Note.Status.SENT) | drafts).order_by("number"):
        _ = (note.author.full_name, note.author_post.abbreviation)
    for entry in file.correspondence.order_by("first_page"):
        _ = (
            entry.receipt if entry.receipt_id else entry.document,
            entry.added_post,
            entry.added_by,
        )
    for movement in file.movements.order_by("sent_at", "pk"):
        _ = (movement.from_post, movement.to_post, movement.by)
        _ = movement.read_by if movement.read_by_id else None


def measure_naive(
    loaded: eoffice_data.Loaded, officers: dict[str, Any], requests: int
) -> dict[str, Any]:
    """The naive baseline of each page, over the same variants, in the tenant's schema."""
    runs: dict[str, list[Callable[[], None]]] = {
        "inbox": [
            partial(naive_inbox, officers["inbox"], **kw) for _, kw in inbox_variants(loaded)
        ],
        "file": [lambda: naive_file(officers["inbox"], pk=loaded.big_file_id)],
        "register": [
            partial(naive_register, officers["registry"], **kw)
            for _, kw in register_variants(loaded)
        ],
    }
    figures: dict[str, Any] = {}
    for name, actions in runs.items():
        for action in actions:  # warm-up
            action()
        timings: list[float] = []
        for number in range(requests):
            started = time.perf_counter()
            actions[number % len(actions)]()
            timings.append((time.perf_counter() - started) * 1000)
        figures[name] = {
            "median_ms": statistics.median(timings),
            "p95_ms": p95(timings),
            "queries": [count_queries(action) for action in actions],
        }
        print(
            f"  naive {name}: median {figures[name]['median_ms']:.1f} ms, "
            f"{max(figures[name]['queries'])} queries at most",
            flush=True,
        )
    return figures


# --- No query per row --------------------------------------------------------------------------


def per_row_checks(
    loaded: eoffice_data.Loaded, tenant: Any, clients: dict[str, Any]
) -> dict[str, Any]:
    """Queries of a page against a page with another number of rows: equal, or a query per row.
    The inbox's and the register's first page (full) against their last page (a remainder);
    the file with 50 notes against the file with 5."""
    from django.core.paginator import Paginator
    from django.urls import reverse
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from eoffice.selectors.access import desk_of
    from eoffice.selectors.register import RegisterFilter, register
    from eoffice.selectors.trays import TrayFilter, items_in_tray
    from eoffice.views.registry import PAGE_SIZE as REGISTER_PAGE
    from eoffice.views.trays import PAGE_SIZE as INBOX_PAGE

    with tenant_context(tenant):
        inbox_desk = desk_of(User.objects.get(email=loaded.inbox_officer))
        registry_desk = desk_of(User.objects.get(email=loaded.registry_officer))
        inbox_pages = Paginator(items_in_tray(inbox_desk, "inbox", TrayFilter()), INBOX_PAGE)
        register_pages = Paginator(register(registry_desk, RegisterFilter()), REGISTER_PAGE)
        shapes: dict[str, tuple[Paginator[Any], Any, str]] = {
            "inbox": (inbox_pages, clients["inbox"], reverse("inbox")),
            "register": (register_pages, clients["registry"], reverse("register")),
        }
        rows = {
            name: (p.count, p.num_pages, len(p.page(p.num_pages)))
            for name, (p, *_) in shapes.items()
        }
    checks: dict[str, Any] = {}
    for name, (pages, client, url) in shapes.items():
        count, last, on_last = rows[name]
        compared = {
            f"page 1 ({min(pages.per_page, count)} rows)": f"{url}?page=1",
            f"page {last} ({on_last} rows)": f"{url}?page={last}",
        }
        checks[name] = compare(client, compared)
        # Full last page: the two pages would show as many rows, and prove nothing.
        checks[name]["rows_differ"] = on_last != min(pages.per_page, count)
    files = {
        f"{eoffice_data.BIG_FILE_NOTES} notes": reverse("item", args=[loaded.big_file_id]),
        f"{eoffice_data.SMALL_FILE_NOTES} notes": reverse("item", args=[loaded.small_file_id]),
    }
    checks["file"] = compare(clients["inbox"], files)
    checks["file"]["rows_differ"] = True
    return checks


def compare(client: Any, urls: dict[str, str]) -> dict[str, Any]:
    counts = {}
    for label, url in urls.items():
        check(client.get(url), url)  # first visits may write (the file's read time)
        counts[label] = count_queries(partial(client.get, url))
    return {"queries": counts, "same": len(set(counts.values())) == 1}


# --- Report ------------------------------------------------------------------------------------


def report(loaded: eoffice_data.Loaded, figures: dict[str, Any]) -> None:
    counts = loaded.counts
    print(
        f"\nData: {counts['eoffice_post']} posts, {counts['eoffice_receipt']:,} receipts, "
        f"{counts['eoffice_file']:,} files, {counts['eoffice_movement']:,} movements, "
        f"{counts['sent_notes']:,} sent notes, {counts['eoffice_postaccess']:,} access rows, "
        f"{counts['eoffice_auditentry']:,} audit entries; loaded in {loaded.seconds:.1f} s"
    )
    labels = {
        "inbox": "inbox",
        "file": f"file page ({eoffice_data.BIG_FILE_NOTES} notes)",
        "register": "receipt register",
    }
    print(
        f"\nServer time per page, {figures['inbox']['requests']} requests each "
        f"(median / p95; queries per request); load average {figures['load_average']:.1f} "
        f"on {figures['cpus']} CPUs"
    )
    print(
        f"{'page':<28}{'ours':>22}{'queries':>10}{'target':>9}"
        f"{'naive baseline':>24}{'queries':>10}{'naive/ours':>12}"
    )
    for name, label in labels.items():
        ours, naive = figures[name], figures["naive"][name]
        queries = sorted(set(ours["queries"].values()))
        print(
            f"{label:<28}{ours['median_ms']:>9.1f} / {ours['p95_ms']:>6.1f} ms"
            f"{_span(queries):>10}{TARGET_MS:>6.0f} ms"
            f"{naive['median_ms']:>11.1f} / {naive['p95_ms']:>6.1f} ms"
            f"{_span(naive['queries']):>10}{naive['median_ms'] / ours['median_ms']:>11.1f}x"
        )
    print(
        "\nBy variant: median; statements (of them SET search_path); time in SQL and its slowest"
        " statement, in one request"
    )
    for name in labels:
        for url, ms in figures[name]["by_url_median_ms"].items():
            profile = figures[name]["query_profiles"][url]
            print(
                f"  {url:<32}{ms:>7.1f} ms{profile['queries']:>4} ({profile['set_search_path']})"
                f"{profile['all_ms']:>8.1f} ms in SQL, slowest {profile['slowest_ms']:>5.1f} ms: "
                f"{profile['slowest_sql']}"
            )
    print("\nNo query per row (queries per request)")
    for name, result in figures["per_row"].items():
        shown = ", ".join(f"{label}: {n}" for label, n in result["queries"].items())
        verdict = "same" if result["same"] else "DIFFERENT: a query per row"
        if not result["rows_differ"]:
            verdict += " (but as many rows on both: no proof)"
        print(f"  {name:<10}{shown:<60}{verdict}")
    print(
        json.dumps(
            {
                "bench": "eoffice",
                "target_ms": TARGET_MS,
                "load_seconds": loaded.phases,
                "rows": counts,
                "pages": {
                    name: {
                        "median_ms": figures[name]["median_ms"],
                        "p95_ms": figures[name]["p95_ms"],
                        "queries": figures[name]["queries"],
                        "by_url_median_ms": figures[name]["by_url_median_ms"],
                    }
                    for name in labels
                },
                "naive": figures["naive"],
                "load_average": figures["load_average"],
                "per_row": figures["per_row"],
            }
        )
    )


def _statement(sql: str) -> str:
    """A statement, short: how it starts and the tables it reads."""
    tables = sorted(set(re.findall(r'(?:FROM|JOIN) "(\w+)"', sql)))
    return f"{sql[:24]}... {', '.join(tables)}"


def _span(values: list[int]) -> str:
    return str(values[0]) if min(values) == max(values) else f"{min(values)}-{max(values)}"


if __name__ == "__main__":
    sys.exit(main())
