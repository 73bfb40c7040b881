"""Rolling up every tenant's month in one statement: roll_up_month's rule, written in SQL.

roll_up_month reads one tenant's records into Python (four queries and a write per tenant):
right for the roll-up after each record, but 5,000 tenants a month are minutes of round trips.
roll_up_month_for_all rebuilds the same rows for every tenant of a month with one
INSERT ... SELECT ... ON CONFLICT (tenant, month) DO UPDATE. Each figure is computed as
figures_of_month, missing_days_for_tenants and trained_counts compute it (tests/reports/
test_rollup_sets.py compares the two paths row by row):

- the record in force of a day is its highest revision; per-day figures are summed over them;
- month-to-date figures, officers, storage and last_day are the last recorded day's;
- pendency is the last day's that measured it (`pendency_measured` truthy as Python sees it),
  worst_posts its first ten entries when it is a list;
- a figure counts only when it is a positive JSON integer (figures_of_month's _number);
- days_missing: the month's finished days on which the term in force made the tenant billable
  (the latest effective on or before the day, the highest id on a tie) without any record;
- officers_trained: workshops up to the month's end not withdrawn, their attendee counts plus
  their named attendees distinct by trimmed, lower-cased name and post.

Its tenants are roll_up_all's: those with a record in the month or a row for it already.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from reports.services.rollup import (
    MONTH_TO_DATE,
    SUMMED,
    _local_today,
    first_of_month,
    last_of_month,
    lock_month,
)


def _number(column: str, key: str) -> str:
    # A JSON number whose value has no fractional digits is an integer to Python too (jsonb
    # prints 1e3 as 1000 and keeps 5.0's point), so this is _number's "int, not bool, above
    # 0" over the same values.
    value = f"({column} -> '{key}')"
    return (
        f"(CASE WHEN jsonb_typeof({value}) = 'number' AND scale({value}::numeric) = 0 "
        f"THEN GREATEST({value}::numeric, 0) ELSE 0 END)"
    )


def _truthy(value: str) -> str:
    """Python's truth of a JSON value: false for a missing key, null, false, 0, "", [] and {}."""
    return (
        f"(CASE jsonb_typeof({value}) WHEN 'boolean' THEN {value} = 'true'::jsonb "
        f"WHEN 'number' THEN ({value})::text::numeric <> 0 "
        f"WHEN 'string' THEN {value} <> '\"\"'::jsonb "
        f"WHEN 'array' THEN jsonb_array_length({value}) > 0 "
        f"WHEN 'object' THEN {value} <> '{{}}'::jsonb ELSE false END)"
    )


def _statement() -> str:
    fields = [*SUMMED, *MONTH_TO_DATE]
    # Each day's figures are read out of its JSON once, in `days`: the later steps read narrow
    # columns, not the whole document four times.
    read = ",\n    ".join(
        f"{_number('figures', key)} AS {field}"
        for field, key in [*SUMMED.items(), *MONTH_TO_DATE.items()]
    )
    sums = ",\n    ".join(f"sum({field}) AS {field}" for field in SUMMED)
    to_date = ", ".join(MONTH_TO_DATE)
    chosen = ",\n  ".join(f"COALESCE(s.{f}, 0)" for f in SUMMED) + ",\n  "
    chosen += ",\n  ".join(f"COALESCE(l.{f}, 0)" for f in MONTH_TO_DATE)
    columns = ", ".join(fields)
    updates = ",\n  ".join(
        f"{c} = EXCLUDED.{c}"
        for c in (
            "days_recorded",
            "days_missing",
            *fields,
            "pendency_measured",
            "pending_over_7",
            "pending_over_30",
            "worst_posts",
            "officers",
            "officers_active",
            "officers_trained",
            "storage_bytes",
            "last_day",
            "updated_at",
        )
    )
    return f"""
WITH days AS (
  SELECT DISTINCT ON (tenant_id, day)
    tenant_id, day, officers, officers_active_month, storage_bytes,
    {read},
    {_truthy("figures -> 'pendency_measured'")} AS measured,
    {_number("figures", "pending_over_7")} AS pending_over_7,
    {_number("figures", "pending_over_30")} AS pending_over_30,
    figures -> 'pending_worst_posts' AS worst
  FROM billing_usagerecord
  WHERE day >= %(month)s AND day <= %(last)s
  ORDER BY tenant_id, day, revision DESC
),
targets AS (
  SELECT DISTINCT tenant_id FROM days
  UNION
  SELECT tenant_id FROM reports_monthlyfigures WHERE month = %(month)s
),
sums AS (
  SELECT tenant_id, count(*) AS days_recorded,
    {sums}
  FROM days GROUP BY tenant_id
),
last AS (
  SELECT DISTINCT ON (tenant_id)
    tenant_id, day, officers, officers_active_month, storage_bytes, {to_date}
  FROM days ORDER BY tenant_id, day DESC
),
measured AS (
  SELECT DISTINCT ON (tenant_id) tenant_id, pending_over_7, pending_over_30, worst
  FROM days
  WHERE measured
  ORDER BY tenant_id, day DESC
),
pendency AS (
  SELECT tenant_id, pending_over_7, pending_over_30,
    CASE WHEN jsonb_typeof(worst) = 'array' THEN
      (SELECT COALESCE(jsonb_agg(post ORDER BY n), '[]'::jsonb)
       FROM jsonb_array_elements(worst) WITH ORDINALITY AS w(post, n)
       WHERE n <= 10)
    ELSE '[]'::jsonb END AS worst_posts
  FROM measured
),
terms AS (
  -- One term per start day: the latest recorded wins a tie, as in billing.rating.term_runs.
  SELECT DISTINCT ON (t.tenant_id, t.effective_from) t.tenant_id, t.effective_from, t.billable
  FROM billing_billingterm t JOIN targets USING (tenant_id)
  WHERE t.effective_from <= %(finished)s
  ORDER BY t.tenant_id, t.effective_from, t.id DESC
),
runs AS (
  SELECT tenant_id, billable,
    GREATEST(effective_from, %(month)s) AS first_day,
    LEAST(
      COALESCE(lead(effective_from) OVER (PARTITION BY tenant_id ORDER BY effective_from) - 1,
               %(finished)s),
      %(finished)s) AS last_day
  FROM terms
),
missing AS (
  SELECT r.tenant_id,
    sum(r.last_day - r.first_day + 1)
    - sum((SELECT count(DISTINCT u.day) FROM billing_usagerecord u
           WHERE u.tenant_id = r.tenant_id AND u.day BETWEEN r.first_day AND r.last_day))
      AS days_missing
  FROM runs r
  WHERE r.billable AND r.first_day <= r.last_day
  GROUP BY r.tenant_id
),
workshops AS (
  SELECT w.id, w.tenant_id, w.attendee_count
  FROM reports_workshop w JOIN targets USING (tenant_id)
  WHERE w.withdrawn_at IS NULL AND w.date <= %(last)s
),
counted AS (
  SELECT tenant_id, sum(attendee_count) AS n FROM workshops GROUP BY tenant_id
),
named AS (
  SELECT w.tenant_id,
    count(DISTINCT lower(trim(a.name)) || chr(31) || lower(trim(a.post))) AS n
  FROM reports_workshopattendee a JOIN workshops w ON w.id = a.workshop_id
  GROUP BY w.tenant_id
)
INSERT INTO reports_monthlyfigures (
  tenant_id, month, days_recorded, days_missing, {columns},
  pendency_measured, pending_over_7, pending_over_30, worst_posts,
  officers, officers_active, officers_trained, storage_bytes, last_day, updated_at
)
SELECT
  targets.tenant_id, %(month)s, COALESCE(s.days_recorded, 0),
  CASE WHEN %(finished)s >= %(month)s THEN COALESCE(m.days_missing, 0) ELSE 0 END,
  {chosen},
  p.tenant_id IS NOT NULL, COALESCE(p.pending_over_7, 0), COALESCE(p.pending_over_30, 0),
  COALESCE(p.worst_posts, '[]'::jsonb),
  COALESCE(l.officers, 0), COALESCE(l.officers_active_month, 0),
  COALESCE(c.n, 0) + COALESCE(nm.n, 0), COALESCE(l.storage_bytes, 0), l.day,
  statement_timestamp()
FROM targets
LEFT JOIN sums s USING (tenant_id)
LEFT JOIN last l USING (tenant_id)
LEFT JOIN pendency p USING (tenant_id)
LEFT JOIN missing m USING (tenant_id)
LEFT JOIN counted c USING (tenant_id)
LEFT JOIN named nm USING (tenant_id)
ON CONFLICT (tenant_id, month) DO UPDATE SET
  {updates}
"""  # noqa: S608


STATEMENT = _statement()


@transaction.atomic
def roll_up_month_for_all(month: datetime.date) -> int:
    """Rebuilds the MonthlyFigures of `month` (any day of it) of every tenant roll_up_all
    would roll up, in one statement; returns how many rows it wrote.

    The same rows as roll_up_month tenant by tenant (idempotent likewise). It waits for the
    month's per-tenant roll-ups under way and holds new ones back until it commits, so a row
    rebuilt from a newer record is never overwritten from an older snapshot.
    """
    month = first_of_month(month)
    last = last_of_month(month)
    finished = min(last, _local_today() - datetime.timedelta(days=1))
    lock_month(month, exclusive=True)
    with connection.cursor() as cursor:
        # A month of every tenant's days is sorted and grouped in memory, not in temp files.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(STATEMENT, {"month": month, "last": last, "finished": finished})
        return cursor.rowcount
