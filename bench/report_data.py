"""A synthetic platform for the report benchmark: 5,000 tenants organised as the government is,
with a year of daily figures each.

- the federal government: 40 ministries; three of them have hundreds of attached departments
  (as Interior, Finance and Education have), the rest a handful;
- four provinces and two regions, each with its departments;
- every tenant live on a partner, billable from the first day (one billing term), with a year
  of daily usage records (one per day: 1.8 million rows for 5,000 tenants), whose figures
  follow the tenant's own adoption curve: some took e-office up early, some late, some stayed
  on paper ("reluctant"), and a few days are missing.

Rows are written with COPY in one transaction; the shape of every figure is the one
eoffice.selectors.figures computes (see billing.models.UsageRecord.figures).
"""

from __future__ import annotations

import datetime
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

BIG_MINISTRIES = (("Interior", 900), ("Finance", 700), ("Federal Education", 500))
PROVINCES = ("Punjab", "Sindh", "Khyber Pakhtunkhwa", "Balochistan", "Gilgit-Baltistan", "AJK")


@dataclass(frozen=True)
class Shape:
    """One tenant's place and character in the synthetic government."""

    name: str
    kind: str
    parent_index: int | None
    # Where its adoption starts and ends over the year (share electronic), and how many officers.
    start_share: float
    end_share: float
    officers: int


def shapes(total: int, rng: random.Random) -> list[Shape]:
    """`total` tenants: the ministries and provinces first, then their departments."""
    tops: list[Shape] = []
    ministries = [name for name, _ in BIG_MINISTRIES] + [
        f"Ministry {number:02d}" for number in range(1, 38)
    ]
    for name in ministries:
        tops.append(_shape(f"Ministry of {name}", "ministry", None, rng))
    for name in PROVINCES:
        tops.append(_shape(f"Government of {name}", "province", None, rng))
    result = list(tops)
    if total < len(tops):
        raise ValueError(f"needs at least {len(tops)} tenants (the ministries and provinces)")
    # A small platform (the report's run at 50 tenants) has its departments spread evenly; from
    # about 3,000 tenants the big ministries have all their hundreds.
    scale = min(1.0, (total - len(tops)) / (sum(count for _, count in BIG_MINISTRIES) * 1.4))
    big = {index: int(count * scale) for index, (_, count) in enumerate(BIG_MINISTRIES)}
    remaining = total - len(tops) - sum(big.values())
    for parent, count in big.items():
        for number in range(count):
            result.append(
                _shape(f"{tops[parent].name} dept {number:03d}", "department", parent, rng)
            )
    others = list(range(len(BIG_MINISTRIES), len(tops)))
    for number in range(remaining):
        parent = others[number % len(others)]
        result.append(_shape(f"{tops[parent].name} dept {number:04d}", "department", parent, rng))
    return result


def _shape(name: str, kind: str, parent: int | None, rng: random.Random) -> Shape:
    character = rng.random()
    if character < 0.2:  # reluctant: stays on paper
        start, end = 0.0, rng.uniform(0.0, 0.15)
    elif character < 0.6:  # taking it up through the year
        start, end = rng.uniform(0.05, 0.4), rng.uniform(0.6, 0.98)
    else:  # early adopters
        start, end = rng.uniform(0.7, 0.9), rng.uniform(0.92, 1.0)
    return Shape(name, kind, parent, start, end, rng.randint(20, 600))


def days_of(first_month: datetime.date, months: int) -> list[datetime.date]:
    days: list[datetime.date] = []
    day = first_month
    month, year = first_month.month, first_month.year
    for _ in range(months):
        month += 1
        if month > 12:
            month, year = 1, year + 1
    end = datetime.date(year, month, 1)
    while day < end:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _binomial(trials: int, share: float, rng: random.Random) -> int:
    """How many of `trials` are electronic: the normal approximation of the binomial, one draw
    instead of one per trial (1.8 million rows of up to 60 trials each)."""
    mean = trials * share
    spread = math.sqrt(mean * (1 - share))
    return min(trials, max(0, round(rng.gauss(mean, spread)))) if spread else round(mean)


def usage_rows(
    tenant_id: int, shape: Shape, days: list[datetime.date], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """The tenant's daily usage records as COPY rows of billing_usagerecord."""
    seen_month = 0
    files_month: list[int] = [0, 0]
    active_month = [0, 0]
    storage = rng.randint(1, 50) * 10**9
    computed = datetime.datetime.now(datetime.UTC)
    for position, day in enumerate(days):
        if day.day == 1:
            seen_month, files_month, active_month = 0, [0, 0], [0, 0]
        if rng.random() < 0.003:
            continue  # a missed day: no record, shown as missing
        share = shape.start_share + (shape.end_share - shape.start_share) * position / len(days)
        weekday = day.weekday() < 5
        receipts = rng.randint(5, 60) if weekday else rng.randint(0, 3)
        electronic = _binomial(receipts, share, rng)
        files = rng.randint(0, 8) if weekday else 0
        files_electronic = _binomial(files, share, rng)
        files_month[0] += files_electronic
        files_month[1] += files - files_electronic
        closed = rng.randint(0, 4) if weekday else 0
        active = int(shape.officers * min(1.0, share + rng.uniform(0.0, 0.2))) if weekday else 0
        seen_month = min(shape.officers, max(seen_month, active) + rng.randint(0, 3))
        touched = rng.randint(0, 12) if weekday else 0
        active_month[0] += touched
        active_month[1] += touched * rng.randint(2, 6)
        storage += electronic * rng.randint(100_000, 900_000)
        figures: dict[str, Any] = {
            "receipts_opened": receipts,
            "files_opened": files,
            "documents_uploaded": electronic,
            "receipts_electronic": electronic,
            "receipts_physical": receipts - electronic,
            "files_closed": closed,
            "closing_days_sum": closed * rng.randint(5, 60),
            "files_opened_month_electronic": files_month[0],
            "files_opened_month_physical": files_month[1],
            "files_active_month": active_month[0],
            "file_posts_sum_month": active_month[1],
            "letters_electronic_month": 0,
            "letters_post_month": 0,
        }
        if position == len(days) - 1 or rng.random() < 0.9:
            over_7 = int(rng.expovariate(1 / max(1.0, 40 * (1 - share))))
            figures |= {
                "pendency_measured": 1,
                "pending_over_7": over_7,
                "pending_over_30": over_7 // 4,
                "pending_worst_posts": [
                    {
                        "post_id": post,
                        "post": f"Section Officer ({post})",
                        "items": max(1, over_7 // (post + 1)),
                        "oldest_days": rng.randint(8, 90),
                    }
                    for post in range(min(10, over_7))
                ],
            }
        yield (
            tenant_id,
            day,
            0,
            shape.officers,
            active,
            seen_month,
            storage,
            json.dumps(figures),
            computed,
            "",
        )


USAGE_COLUMNS = (
    "tenant_id, day, revision, officers, officers_active, officers_active_month, storage_bytes, "
    "figures, computed_at, recomputed_by"
)


def load(
    total: int,
    *,
    first_month: datetime.date,
    months: int,
    partner_ids: list[int],
    say: Callable[[str], None] = print,
    seed: int = 2026,
) -> list[int]:
    """Writes `total` live tenants and their daily usage; returns the tenants' ids in order."""
    from django.db import connection, transaction

    rng = random.Random(seed)
    plan = shapes(total, rng)
    days = days_of(first_month, months)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('tenants_tenant', 'id')) "
            "FROM generate_series(1, %s)",
            [len(plan)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        now = datetime.datetime.now(datetime.UTC)
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(
            "COPY tenants_tenant (id, schema_name, name, kind, state, subdomain, partner_id, "
            "parent_id, storage_prefix, created_at) FROM STDIN"
        ) as copy:
            for index, (tenant_id, shape) in enumerate(zip(ids, plan, strict=True)):
                parent = ids[shape.parent_index] if shape.parent_index is not None else None
                copy.write_row(
                    (
                        tenant_id,
                        f"t_{tenant_id}",
                        shape.name,
                        shape.kind,
                        "active",
                        f"bench-{tenant_id}",
                        partner_ids[index % len(partner_ids)],
                        parent,
                        "",
                        now,
                    )
                )
        say(f"  {len(ids):,} tenants written")
        # Billable from the first day of the data, as a live tenant is: the days without a
        # record are then missing days, as in production.
        cursor.execute("SELECT id FROM billing_plan WHERE code = 'standard'")
        plan_id = cursor.fetchone()[0]
        with raw.copy(
            "COPY billing_billingterm (tenant_id, partner_id, plan_id, effective_from, billable, "
            "recorded_by, recorded_at, reason) FROM STDIN"
        ) as copy:
            for index, tenant_id in enumerate(ids):
                partner = partner_ids[index % len(partner_ids)]
                copy.write_row(
                    (tenant_id, partner, plan_id, first_month, True, "bench", now, "Benchmark")
                )
        rows = 0
        with raw.copy(f"COPY billing_usagerecord ({USAGE_COLUMNS}) FROM STDIN") as copy:
            for tenant_id, shape in zip(ids, plan, strict=True):
                for row in usage_rows(tenant_id, shape, days, rng):
                    copy.write_row(row)
                    rows += 1
        say(f"  {rows:,} daily usage records written")
        cursor.execute("ANALYZE tenants_tenant")
        cursor.execute("ANALYZE billing_usagerecord")
        cursor.execute("ANALYZE billing_billingterm")
    return ids
