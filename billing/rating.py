"""Rating: turning a tenant's terms, its plans' prices and its recorded usage into invoice lines.

Pure functions over objects already read (no queries here), so a month of 2,000 tenants is
rated from a handful of bulk reads (billing.rating_inputs) and the same code gives the
running month's estimate.

The rules, for one tenant and one month:
- a line per run of days with the same partner, plan and price (a term change or a price
  change mid-month starts a new run; a non-billable term or a term without a partner bills
  nobody);
- only days with a usage record are charged (`days`); a missing day is never invented;
- seats = the month's distinct active officers: `officers_active_month` of the last recorded
  day of the month (the same figure for every run of the month, each run paying its share);
- seat amount = seats * seat price * days / days in month;
- storage = the average `storage_bytes` over the run's recorded days in GB, where
  1 GB = 10^9 bytes (decimal gigabytes, as storage is sold), rounded half up to 3 decimals,
  over = max(0, average - included GB), storage amount = over * GB price * days / days in
  month; the amount is computed from the printed (3-decimal) `over`, so every printed line
  multiplies out to its amount;
- each component is rounded half up to the minor unit on its own, the line's amount is their
  sum.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, TypeVar

BYTES_PER_GB = 10**9
GB_PLACES = Decimal("0.001")


class Priced(Protocol):
    """What rating reads of a PlanPrice."""

    pk: Any
    plan_id: int
    effective_from: datetime.date
    seat_price_minor: int
    included_storage_gb: int
    extra_gb_price_minor: int


class Termed(Protocol):
    """What rating reads of a BillingTerm."""

    pk: Any
    tenant_id: int
    partner_id: int | None
    plan_id: int
    effective_from: datetime.date
    billable: bool


class Measured(Protocol):
    """What rating reads of a UsageRecord (the highest revision of its day); read-only, so a
    plain tuple of the figures (billing.rating_inputs.DayUsage) serves as well as the row."""

    @property
    def pk(self) -> Any: ...
    @property
    def day(self) -> datetime.date: ...
    @property
    def officers_active_month(self) -> int: ...
    @property
    def storage_bytes(self) -> int: ...


@dataclass(frozen=True)
class RatedLine:
    """One line of an invoice, not yet saved: the fields of InvoiceLine but the invoice's."""

    tenant_id: int
    partner_id: int
    plan_id: int
    price_id: int
    first_day: datetime.date
    last_day: datetime.date
    days: int
    month_days: int
    seats: int
    seat_price_minor: int
    seat_amount_minor: int
    storage_gb: Decimal
    included_storage_gb: int
    storage_over_gb: Decimal
    extra_gb_price_minor: int
    storage_amount_minor: int
    trace: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def amount_minor(self) -> int:
        return self.seat_amount_minor + self.storage_amount_minor

    def signature(self) -> tuple[Any, ...]:
        """What makes two ratings of the same line equal (used to tell a changed invoice)."""
        return (
            self.tenant_id,
            self.plan_id,
            self.price_id,
            self.first_day,
            self.last_day,
            self.days,
            self.seats,
            self.seat_amount_minor,
            self.storage_over_gb,
            self.storage_amount_minor,
        )


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _exact_half_up(value: Fraction) -> int:
    """The nearest integer to a non-negative fraction, a half rounded up; computed on the
    exact fraction, so a half is never lost to a rounded division."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


TermT = TypeVar("TermT", bound=Termed)


def term_runs(
    terms: Iterable[TermT], first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, datetime.date, TermT]]:
    """The runs of days from `first_day` to `last_day` and the term in force over each, in day
    order, from one tenant's terms (any order); days before its first term are left out. The
    latest effective date on or before a day wins, the latest recorded (highest id) on a tie
    (billing.selectors.terms reads terms by this rule too)."""
    by_start: dict[datetime.date, TermT] = {}
    for term in sorted(terms, key=lambda t: (t.effective_from, t.pk)):
        if term.effective_from <= last_day:
            by_start[term.effective_from] = term
    starts = sorted(by_start)
    runs: list[tuple[datetime.date, datetime.date, TermT]] = []
    for index, start in enumerate(starts):
        end = (
            starts[index + 1] - datetime.timedelta(days=1) if index + 1 < len(starts) else last_day
        )
        run_first, run_last = max(start, first_day), min(end, last_day)
        if run_first <= run_last:
            runs.append((run_first, run_last, by_start[start]))
    return runs


def price_runs(
    prices: Sequence[Priced], first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, datetime.date, Priced]]:
    """The runs of days of one plan from `first_day` to `last_day` and the price in force over
    each (the latest effective date on or before the day). A day before the plan's first price
    cannot be rated: ValueError, as that is a plan set up wrongly, not a free day."""
    ordered = sorted(prices, key=lambda p: p.effective_from)
    if not ordered or ordered[0].effective_from > first_day:
        raise ValueError(f"No price is in force on {first_day} for this plan.")
    runs: list[tuple[datetime.date, datetime.date, Priced]] = []
    for index, price in enumerate(ordered):
        end = (
            ordered[index + 1].effective_from - datetime.timedelta(days=1)
            if index + 1 < len(ordered)
            else last_day
        )
        run_first, run_last = max(price.effective_from, first_day), min(end, last_day)
        if run_first <= run_last:
            runs.append((run_first, run_last, price))
    return runs


def rate_tenant_month(
    *,
    tenant_id: int,
    month: datetime.date,
    terms: Iterable[Termed],
    prices_by_plan: Mapping[int, Sequence[Priced]],
    usage: Iterable[Measured],
) -> list[RatedLine]:
    """The lines of one tenant for the month `month` falls in, in day order.

    `terms` are the tenant's billing terms (all of them, or at least those up to the month's
    end), `prices_by_plan` every price of the plans they name, `usage` the tenant's usage
    records of the month, one per day (the highest revision). Guarantees: no line without a
    recorded day; no day charged twice; each line has one partner, plan and price.
    """
    first, last = month_bounds(month)
    month_days = last.day
    records = sorted((r for r in usage if first <= r.day <= last), key=lambda r: r.day)
    if not records:
        return []
    seats = records[-1].officers_active_month

    # Runs of (partner, plan, price), contiguous runs with the same three joined into one.
    pieces: list[tuple[datetime.date, datetime.date, Termed, Priced]] = []
    for term_first, term_last, term in term_runs(terms, first, last):
        if not term.billable or term.partner_id is None:
            continue
        for price_first, price_last, price in price_runs(
            prices_by_plan.get(term.plan_id, ()), term_first, term_last
        ):
            previous = pieces[-1] if pieces else None
            if (
                previous is not None
                and previous[1] + datetime.timedelta(days=1) == price_first
                and previous[2].partner_id == term.partner_id
                and previous[2].plan_id == term.plan_id
                and previous[3].pk == price.pk
            ):
                pieces[-1] = (previous[0], price_last, previous[2], price)
            else:
                pieces.append((price_first, price_last, term, price))

    lines: list[RatedLine] = []
    for run_first, run_last, term, price in pieces:
        run_records = [r for r in records if run_first <= r.day <= run_last]
        if not run_records:
            continue
        days = len(run_records)
        share = Fraction(days, month_days)
        average_gb = Fraction(sum(r.storage_bytes for r in run_records), days * BYTES_PER_GB)
        storage_gb = _to_gb(average_gb)
        over_gb = max(Decimal(0), storage_gb - price.included_storage_gb)
        seat_amount = _exact_half_up(seats * price.seat_price_minor * share)
        storage_amount = _exact_half_up(Fraction(over_gb) * price.extra_gb_price_minor * share)
        assert term.partner_id is not None  # runs without a partner were skipped above
        lines.append(
            RatedLine(
                tenant_id=tenant_id,
                partner_id=term.partner_id,
                plan_id=term.plan_id,
                price_id=price.pk,
                first_day=run_first,
                last_day=run_last,
                days=days,
                month_days=month_days,
                seats=seats,
                seat_price_minor=price.seat_price_minor,
                seat_amount_minor=seat_amount,
                storage_gb=storage_gb,
                included_storage_gb=price.included_storage_gb,
                storage_over_gb=over_gb,
                extra_gb_price_minor=price.extra_gb_price_minor,
                storage_amount_minor=storage_amount,
                trace={
                    "usage_record_ids": [r.pk for r in run_records],
                    "days": [r.day.isoformat() for r in run_records],
                },
            )
        )
    return lines


def _to_gb(value: Fraction) -> Decimal:
    """GB to 3 decimals, half up (exactly: the fraction is rounded, not a float)."""
    thousandths = _exact_half_up(value * 1000)
    return (Decimal(thousandths) / 1000).quantize(GB_PLACES)


def tax_minor(subtotal_minor: int, tax_percent: Decimal) -> int:
    """The tax on a subtotal, rounded half up to the minor unit."""
    return _exact_half_up(Fraction(subtotal_minor) * Fraction(tax_percent) / 100)
