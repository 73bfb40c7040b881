"""Rating: terms, prices and recorded days of usage into invoice lines (billing.rating).

The rules are pure functions, tested here on plain records; tests/billing/test_invoices.py
rates the same way from the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from billing.rating import (
    BYTES_PER_GB,
    RatedLine,
    month_bounds,
    rate_tenant_month,
    tax_minor,
    term_runs,
)

MARCH = datetime.date(2026, 3, 1)  # 31 days
GB = BYTES_PER_GB


@dataclass
class Term:
    pk: int
    tenant_id: int
    partner_id: int | None
    plan_id: int
    effective_from: datetime.date
    billable: bool = True


@dataclass
class Price:
    pk: int
    plan_id: int
    effective_from: datetime.date
    seat_price_minor: int
    included_storage_gb: int
    extra_gb_price_minor: int


@dataclass
class Usage:
    pk: int
    day: datetime.date
    officers_active_month: int
    storage_bytes: int


STANDARD, PROVINCIAL = 1, 2
PRICES: dict[int, list[Price]] = {
    # Rs 1,200 a seat, 50 GB included, Rs 60 a GB over; Rs 1,000 / 500 GB / Rs 50.
    STANDARD: [Price(11, STANDARD, datetime.date(2026, 1, 1), 120_000, 50, 6_000)],
    PROVINCIAL: [Price(21, PROVINCIAL, datetime.date(2026, 1, 1), 100_000, 500, 5_000)],
}


def day(n: int) -> datetime.date:
    return MARCH.replace(day=n)


def month_of_usage(
    days: range, *, seats: int = 10, storage: int = 0, first_pk: int = 1000
) -> list[Usage]:
    return [Usage(first_pk + n, day(n), seats, storage) for n in days]


def rate(
    terms: list[Term], usage: list[Usage], prices: dict[int, list[Price]] = PRICES
) -> list[RatedLine]:
    return rate_tenant_month(
        tenant_id=7, month=MARCH, terms=terms, prices_by_plan=prices, usage=usage
    )


def test_a_whole_month_is_seats_times_price_and_storage_over_the_included() -> None:
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 5))]
    usage = month_of_usage(range(1, 32), seats=10, storage=80 * GB)

    (line,) = rate(terms, usage)

    assert (line.first_day, line.last_day, line.days, line.month_days) == (day(1), day(31), 31, 31)
    assert line.seats == 10
    assert line.seat_amount_minor == 10 * 120_000
    assert line.storage_gb == Decimal("80.000")
    assert line.storage_over_gb == Decimal("30.000")
    assert line.storage_amount_minor == 30 * 6_000
    assert line.amount_minor == 1_200_000 + 180_000
    assert line.trace == {
        "usage_record_ids": [u.pk for u in usage],
        "days": [u.day.isoformat() for u in usage],
    }


def test_a_tenant_opened_mid_month_pays_its_days_only() -> None:
    terms = [Term(1, 7, 100, STANDARD, day(16))]  # 16 to 31 March: 16 days
    usage = month_of_usage(range(16, 32), seats=7)

    (line,) = rate(terms, usage)

    assert (line.first_day, line.days) == (day(16), 16)
    # 7 x Rs 1,200 x 16/31 = Rs 4,335.4838… → Rs 4,335.48
    assert line.seat_amount_minor == 433_548


def test_a_plan_change_mid_month_gives_a_line_per_plan() -> None:
    terms = [
        Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1)),
        Term(2, 7, 100, PROVINCIAL, day(11)),
    ]
    usage = month_of_usage(range(1, 32), seats=31, storage=60 * GB)

    standard, provincial = rate(terms, usage)

    assert (standard.plan_id, standard.first_day, standard.last_day, standard.days) == (
        STANDARD,
        day(1),
        day(10),
        10,
    )
    assert (provincial.plan_id, provincial.first_day, provincial.days) == (PROVINCIAL, day(11), 21)
    assert standard.seat_amount_minor == 31 * 120_000 * 10 // 31
    assert provincial.seat_amount_minor == 31 * 100_000 * 21 // 31
    # 10 GB over the standard plan's 50 for 10 days; nothing over the provincial 500.
    assert standard.storage_amount_minor == 10 * 6_000 * 10 // 31 + 1  # 19,354.8… rounds up
    assert provincial.storage_over_gb == 0 and provincial.storage_amount_minor == 0


def test_a_partner_change_mid_month_bills_each_partner_its_days() -> None:
    terms = [
        Term(1, 7, 100, STANDARD, datetime.date(2026, 2, 1)),
        Term(2, 7, 200, STANDARD, day(21)),
    ]
    usage = month_of_usage(range(1, 32), seats=31)

    old, new = rate(terms, usage)

    assert (old.partner_id, old.days, new.partner_id, new.days) == (100, 20, 200, 11)
    assert old.seat_amount_minor + new.seat_amount_minor == 31 * 120_000
    assert not set(old.trace["days"]) & set(new.trace["days"])


def test_a_price_change_mid_month_splits_the_line_and_keeps_the_old_price_before_it() -> None:
    prices = {
        STANDARD: [*PRICES[STANDARD], Price(12, STANDARD, day(16), 150_000, 50, 6_000)],
    }
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1))]
    usage = month_of_usage(range(1, 32), seats=31)

    before, after = rate(terms, usage, prices)

    assert (before.price_id, before.days, before.seat_price_minor) == (11, 15, 120_000)
    assert (after.price_id, after.days, after.seat_price_minor) == (12, 16, 150_000)
    assert before.seat_amount_minor == 31 * 120_000 * 15 // 31
    assert after.seat_amount_minor == 31 * 150_000 * 16 // 31


def test_a_missing_day_is_not_charged_and_never_invented() -> None:
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1))]
    usage = [u for u in month_of_usage(range(1, 32), seats=31) if u.day != day(12)]

    (line,) = rate(terms, usage)

    assert line.days == 30
    assert day(12).isoformat() not in line.trace["days"]
    assert line.seat_amount_minor == 31 * 120_000 * 30 // 31


def test_seats_are_the_months_distinct_active_officers_on_its_last_recorded_day() -> None:
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1))]
    usage = [Usage(n, day(n), n // 3, 0) for n in range(1, 29)]  # nothing recorded 29-31

    (line,) = rate(terms, usage)

    assert line.seats == 28 // 3


def test_storage_is_the_average_over_recorded_days_in_decimal_gigabytes() -> None:
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1))]
    # Half the month at 50 GB, half at 51.5 GB: an average of 50.75 GB, 0.75 over.
    usage = [Usage(n, day(n), 1, 50 * GB if n <= 15 else 51_500_000_000) for n in range(1, 31)]

    (line,) = rate(terms, usage)

    assert line.storage_gb == Decimal("50.750")
    assert line.storage_over_gb == Decimal("0.750")
    # 0.75 x Rs 60 x 30/31 = Rs 43.548… → 4,355 paisa.
    assert line.storage_amount_minor == 4_355


def test_archived_days_and_days_without_a_partner_bill_nobody() -> None:
    terms = [
        Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1)),
        Term(2, 7, 100, STANDARD, day(11), billable=False),
        Term(3, 7, None, STANDARD, day(21)),
    ]
    usage = month_of_usage(range(1, 32))

    (line,) = rate(terms, usage)

    assert (line.first_day, line.last_day, line.days) == (day(1), day(10), 10)


def test_an_archive_and_restore_in_the_month_gives_two_lines_not_one_run_over_the_gap() -> None:
    terms = [
        Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1)),
        Term(2, 7, 100, STANDARD, day(11), billable=False),
        Term(3, 7, 100, STANDARD, day(21)),
    ]
    usage = month_of_usage(range(1, 11)) + month_of_usage(range(21, 32))

    first, second = rate(terms, usage)

    assert (first.last_day, second.first_day) == (day(10), day(21))


def test_terms_that_change_nothing_keep_one_line() -> None:
    terms = [
        Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1)),
        Term(2, 7, 100, STANDARD, day(9)),  # e.g. suspended ⇄ active recorded again
    ]

    (line,) = rate(terms, month_of_usage(range(1, 32)))

    assert (line.first_day, line.last_day) == (day(1), day(31))


def test_halves_round_up_per_component() -> None:
    # A seat at 31 paisa for 1 day of 31 is 1 paisa; 0.5 GB over at 31 paisa for 1 day is
    # half a paisa, rounded up.
    prices = {STANDARD: [Price(11, STANDARD, datetime.date(2026, 1, 1), 31, 0, 31)]}
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2026, 1, 1))]
    usage = [Usage(1, day(1), 1, 500_000_000)]  # 0.5 GB for one day

    (line,) = rate(terms, usage, prices)

    assert line.seat_amount_minor == 1  # 31 x 1/31 = 1
    assert line.storage_amount_minor == 1  # 0.5 x 31 x 1/31 = 0.5 → 1


def test_a_day_before_the_plans_first_price_is_an_error_not_a_free_day() -> None:
    terms = [Term(1, 7, 100, STANDARD, datetime.date(2025, 12, 1))]
    prices = {STANDARD: [Price(11, STANDARD, day(5), 120_000, 50, 6_000)]}

    with pytest.raises(ValueError, match="No price"):
        rate(terms, month_of_usage(range(1, 32)), prices)


def test_no_usage_no_lines_and_usage_before_the_first_term_is_not_billed() -> None:
    assert rate([Term(1, 7, 100, STANDARD, day(1))], []) == []
    (line,) = rate([Term(1, 7, 100, STANDARD, day(20))], month_of_usage(range(1, 32)))
    assert line.days == 12


def test_term_runs_take_the_latest_recorded_term_on_a_tie() -> None:
    runs = term_runs(
        [Term(2, 7, 200, STANDARD, day(5)), Term(1, 7, 100, STANDARD, day(5))], day(1), day(31)
    )
    assert [(first, last, term.pk) for first, last, term in runs] == [(day(5), day(31), 2)]


def test_helpers() -> None:
    assert month_bounds(datetime.date(2028, 2, 14)) == (
        datetime.date(2028, 2, 1),
        datetime.date(2028, 2, 29),
    )
    assert tax_minor(100_005, Decimal("17")) == 17_001  # 17,000.85 → 17,001
    assert tax_minor(100, Decimal("0.5")) == 1  # 0.5 → 1
    assert tax_minor(12_345, Decimal(0)) == 0
