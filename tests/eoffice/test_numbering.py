"""Diary and file numbers: unique and gap-free per tenant and year, also when officers register
at the same moment; file numbers follow the tenant's pattern."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from config.tenancy import use_public_schema
from eoffice.errors import Invalid
from eoffice.models import DiaryCounter, File, FileCounter, Receipt
from eoffice.selectors.access import desk_of
from eoffice.services import numbering, receipts
from tests.conftest import World, make_test_tenant
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    build_chart,
    by_admin,
    open_file,
    receipt_details,
    register,
)


class Failed(Exception):
    """A registration's transaction failing after the number was taken."""


# Diary numbers within one tenant (each test's data rolled back).


def test_diary_numbers_run_one_after_another(chart: Chart) -> None:
    year = timezone.localdate().year
    numbers = [register(chart, who).diary_number for who in ("so", "cr", "so", "sob")]
    assert numbers == [1, 2, 3, 4]
    references = list(Receipt.objects.order_by("diary_number").values_list("reference", flat=True))
    assert references == [f"{n}/{year}" for n in numbers]
    assert DiaryCounter.objects.get(year=year).last_number == 4


def test_refused_registration_takes_no_number(chart: Chart) -> None:
    register(chart)
    with pytest.raises(Invalid):
        register(chart, subject="")
    assert register(chart).diary_number == 2


def test_failed_registration_gives_its_number_back(chart: Chart) -> None:
    register(chart)
    with pytest.raises(Failed), transaction.atomic():
        assert register(chart).diary_number == 2
        raise Failed
    assert register(chart).diary_number == 2
    assert sorted(Receipt.objects.values_list("diary_number", flat=True)) == [1, 2]


def test_each_year_has_its_own_diary(chart: Chart) -> None:
    register(chart)
    register(chart)
    year = timezone.localdate().year
    assert numbering.next_diary_number(year - 1) == 1
    assert numbering.next_diary_number(year + 1) == 1
    assert numbering.next_diary_number(year) == 3


# File numbers and the tenant's pattern.


def test_default_pattern_counts_per_office_and_year(chart: Chart) -> None:
    year = timezone.localdate().year
    assert numbering.current_pattern() == "{office}/{serial}/{year}"
    assert [open_file(chart, who).reference for who in ("so", "sob", "ao")] == [
        f"ADMIN/1/{year}",
        f"BUDGET/1/{year}",
        f"ADMIN/2/{year}",
    ]
    # A new year starts again at 1.
    assert numbering.next_file_number(office_code="ADMIN", category_code="GEN", year=year + 1) == (
        f"ADMIN/1/{year + 1}",
        1,
    )


def test_pattern_without_year_runs_on_across_years(chart: Chart) -> None:
    numbering.set_pattern(pattern="{office}-{serial}", **by_admin())
    first = numbering.next_file_number(office_code="ADMIN", category_code="GEN", year=2026)
    second = numbering.next_file_number(office_code="ADMIN", category_code="GEN", year=2027)
    assert (first, second) == (("ADMIN-1", 1), ("ADMIN-2", 2))


def test_configured_pattern_numbers_new_files(chart: Chart) -> None:
    year = timezone.localdate().year
    open_file(chart)  # ADMIN/1/year under the default pattern
    assert numbering.set_pattern(
        pattern="  PB/{category}/{year}/{serial}  ", **by_admin()
    ).pattern == ("PB/{category}/{year}/{serial}")
    est = chart.category.__class__.objects.get(code="EST")
    files = [open_file(chart), open_file(chart, category_id=est.pk), open_file(chart, "sob")]
    assert [f.reference for f in files] == [
        f"PB/GEN/{year}/1",
        f"PB/EST/{year}/1",
        f"PB/GEN/{year}/2",  # the office is not part of this pattern
    ]
    assert [f.serial for f in files] == [1, 1, 2]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{office}/{year}", "must contain {serial} exactly once"),
        ("{serial}/{serial}", "must contain {serial} exactly once"),
        ("", "must contain {serial}"),
        ("{office}/{serail}/{year}", "Unknown part {serail}"),
        ("{section}/{serial}", "Unknown part {section}"),
        ("{office/{serial}/{year}", "in braces"),
        ("{office}/{serial}}", "in braces"),
        ("F-" + "x" * 95 + "{serial}", "1 to 100 characters"),
    ],
)
def test_bad_patterns_are_refused_and_the_old_one_kept(
    chart: Chart, pattern: str, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        numbering.set_pattern(pattern=pattern, **by_admin())
    assert numbering.current_pattern() == "{office}/{serial}/{year}"


def test_pattern_making_numbers_too_long_refuses_the_file_and_keeps_the_serial(
    chart: Chart,
) -> None:
    # A valid pattern, but numbers of 86+ characters.
    numbering.set_pattern(pattern="F" * 85 + "{serial}", **by_admin())
    with pytest.raises(Invalid, match="longer than 80 characters"):
        open_file(chart)
    assert not File.objects.exists()
    assert not FileCounter.objects.exists()  # the serial taken was given back


# Concurrent registration: threads with their own connections, in a tenant of their own whose
# data is committed, so each registration really waits for the others' locks.


@dataclass
class Office:
    schema: str
    chart: Chart


@pytest.fixture
def office(world: World, committed: None) -> Iterator[Office]:
    # One tenant per test: committed data is not rolled back, so no other test may share it.
    subdomain = f"numbering-{uuid.uuid4().hex[:8]}"
    made = make_test_tenant(
        subdomain=subdomain, name=f"Numbering {subdomain}", partner=None, officers=0
    )
    with schema_context(made.tenant.schema_name):
        chart = build_chart(f"{subdomain}.example")
    use_public_schema()
    yield Office(made.tenant.schema_name, chart)


def _in_thread(schema: str, work: Callable[[], int]) -> int:
    """Runs `work` in the tenant's schema on this thread's own connection, then closes it."""
    try:
        with schema_context(schema):
            return work()
    finally:
        connection.close()


def _register_as(office: Office, who: str) -> int:
    desk = desk_of(office.chart.officers[who])
    receipt = receipts.register_receipt(
        desk=desk, details=receipt_details(office.chart, subject=f"From {who}"), origin=ORIGIN
    )
    return receipt.diary_number


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _diary(office: Office) -> list[int]:
    with schema_context(office.schema):
        return sorted(Receipt.objects.values_list("diary_number", flat=True))


REGISTRARS = ["so", "cr", "sob", "ao", "ds", "secy", "so", "cr"]


def test_concurrent_registrations_take_consecutive_numbers(office: Office) -> None:
    # A first receipt of the year already counted, so the race is on an existing counter row
    # (read-then-write numbering would hand out duplicates here).
    with schema_context(office.schema):
        assert _register_as(office, "cr") == 1
    start = threading.Barrier(len(REGISTRARS))

    def registration(who: str) -> int:
        def work() -> int:
            desk = desk_of(office.chart.officers[who])
            start.wait(timeout=10)  # all at the same moment
            return receipts.register_receipt(
                desk=desk, details=receipt_details(office.chart), origin=ORIGIN
            ).diary_number

        return _in_thread(office.schema, work)

    with ThreadPoolExecutor(max_workers=len(REGISTRARS)) as pool:
        numbers = list(pool.map(registration, REGISTRARS))
    assert sorted(numbers) == list(range(2, len(REGISTRARS) + 2))
    assert _diary(office) == [1, *sorted(numbers)]
    with schema_context(office.schema):
        assert DiaryCounter.objects.get().last_number == len(REGISTRARS) + 1
    use_public_schema()


def test_failed_registration_under_contention_leaves_no_gap(office: Office) -> None:
    # One registration takes a number and holds it while the others queue behind it, then its
    # transaction fails: the others must close up over the number it gave back.
    taken, release = threading.Event(), threading.Event()
    failing_number: list[int] = []

    def failing() -> int:
        def work() -> int:
            with transaction.atomic():
                failing_number.append(_register_as(office, "ds"))
                taken.set()
                release.wait(timeout=10)
                raise Failed

        return _in_thread(office.schema, work)

    others = REGISTRARS[:5]
    with ThreadPoolExecutor(max_workers=len(others) + 1) as pool:
        failed = pool.submit(failing)
        assert taken.wait(timeout=10)
        registrations = [
            pool.submit(_in_thread, office.schema, partial(_register_as, office, who))
            for who in others
        ]
        deadline = time.monotonic() + 10
        while _waiting_for_locks() < len(others) and time.monotonic() < deadline:
            time.sleep(0.02)
        # Every other registration is blocked on the number the failing one holds.
        assert _waiting_for_locks() == len(others)
        release.set()
        with pytest.raises(Failed):
            failed.result(timeout=10)
        numbers = [registration.result(timeout=10) for registration in registrations]
    assert failing_number == [1]
    assert sorted(numbers) == list(range(1, len(others) + 1))
    assert _diary(office) == sorted(numbers)
    # And the diary goes on from there.
    with schema_context(office.schema):
        assert _register_as(office, "so") == len(others) + 1
    use_public_schema()


def test_a_pattern_change_that_would_repeat_a_number_passes_over_it(chart: Chart) -> None:
    from eoffice.services import files, numbering
    from tests.eoffice.chart import ORIGIN, file_details

    so = chart.desk("so")
    numbering.set_pattern(pattern="{office}{serial}", **by_admin())
    first = files.open_file(desk=so, details=file_details(chart), origin=ORIGIN)
    assert first.reference == "ADMIN1"
    # The same numbers under another counter.
    numbering.set_pattern(pattern="ADMIN{serial}", **by_admin())
    second = files.open_file(desk=so, details=file_details(chart), origin=ORIGIN)
    assert second.reference == "ADMIN2"
