"""The e-office's figures for the federal report, on records made for them, with the expected
numbers worked out by hand beside each assertion."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from eoffice.models import Holiday, Item, Posting, ReportedMonth
from eoffice.selectors.figures import day_figures, pendency_snapshot
from eoffice.services import files, receipts
from eoffice.services.reported import record_reported_month
from eoffice.working_days import cutoff_more_than, working_days_between
from tests.conftest import World
from tests.eoffice.chart import ORIGIN, Chart, open_file, pdf_bytes, register, register_scan, send

pytestmark = pytest.mark.django_db

WEEKEND = frozenset({6, 7})


def local(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour)), timezone.get_default_timezone()
    )


@contextmanager
def at(day: datetime.date, hour: int = 12) -> Iterator[None]:
    """Everything done inside happens at `hour` local time on `day`."""
    with mock.patch("django.utils.timezone.now", return_value=local(day, hour)):
        yield


def reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries run, without django-tenants' search_path settings."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]


def nov(day: int) -> datetime.date:
    return datetime.date(2026, 11, day)


# Pure working days: Saturday and Sunday off.


def test_working_days_between_skips_weekends_and_holidays() -> None:
    friday, monday = datetime.date(2026, 11, 27), datetime.date(2026, 11, 30)
    assert working_days_between(friday, monday, weekend=WEEKEND, holidays=()) == 1
    assert working_days_between(monday, friday, weekend=WEEKEND, holidays=()) == 0
    # Mon 2 Nov to Mon 30 Nov: four weeks of five days = 20.
    assert working_days_between(nov(2), nov(30), weekend=WEEKEND, holidays=()) == 20
    # Iqbal Day (Mon 9 Nov) off: 19; a holiday on a Saturday changes nothing.
    assert working_days_between(nov(2), nov(30), weekend=WEEKEND, holidays={nov(9)}) == 19
    assert working_days_between(nov(2), nov(30), weekend=WEEKEND, holidays={nov(7)}) == 20
    # Every weekday length agrees with counting day by day.
    for days in range(40):
        end = nov(2) + datetime.timedelta(days=days)
        by_hand = sum(
            1
            for n in range(1, days + 1)
            if (nov(2) + datetime.timedelta(days=n)).isoweekday() < 6
            and nov(2) + datetime.timedelta(days=n) != nov(9)
        )
        assert working_days_between(nov(2), end, weekend=WEEKEND, holidays={nov(9)}) == by_hand


def test_cutoff_is_the_latest_day_more_than_n_working_days_ago() -> None:
    # Back from Mon 30 Nov: 30, 27, 26, 25, 24, 23, 20 are 7 working days; 19 is the 8th, so
    # an item of 18 Nov is 8 (> 7) working days old and one of 19 Nov is 7.
    cutoff = cutoff_more_than(nov(30), 7, weekend=WEEKEND, holidays=())
    assert cutoff == nov(18)
    assert working_days_between(nov(18), nov(30), weekend=WEEKEND, holidays=()) == 8
    assert working_days_between(nov(19), nov(30), weekend=WEEKEND, holidays=()) == 7
    # 31 working days back with 9 Nov a holiday reaches Fri 16 Oct, so the cutoff is 15 Oct;
    # without the holiday the 31st is Mon 19 Oct, and the cutoff is the Sunday before it.
    assert cutoff_more_than(nov(30), 30, weekend=WEEKEND, holidays={nov(9)}) == datetime.date(
        2026, 10, 15
    )
    assert cutoff_more_than(nov(30), 30, weekend=WEEKEND, holidays=()) == datetime.date(
        2026, 10, 18
    )


def test_the_seeded_calendar_has_the_federal_holidays(chart: Chart) -> None:
    names = dict(Holiday.objects.values_list("day", "name"))
    assert names[datetime.date(2026, 8, 14)] == "Independence Day"
    assert names[datetime.date(2027, 3, 23)] == "Pakistan Day"
    assert names[datetime.date(2026, 3, 20)] == "Eid-ul-Fitr (date as announced)"
    assert "Youm-e-Takbeer" in names[datetime.date(2026, 5, 28)]


# The day's figures for Wed 18 Nov 2026 (D).


def _scan() -> BytesIO:
    return BytesIO(pdf_bytes())


def test_day_figures_count_only_what_was_recorded_by_the_day(chart: Chart) -> None:
    Posting.objects.update(from_date=datetime.date(2026, 1, 1))  # posted before it all
    desk = chart.desk("so")
    with at(datetime.date(2026, 10, 20), 10):
        f0 = open_file(chart, subject="F0 opened last month")
    with at(datetime.date(2026, 10, 25)):
        send(chart, "so", f0, "DS(Admin)")
    with at(datetime.date(2026, 10, 26)):
        send(chart, "ds", f0, "SO(Admin)")
    with at(nov(2), 10):
        f1 = open_file(chart, subject="F1 notes only")
        register(chart, subject="R0 before the day")
    with at(nov(10)):
        f2 = open_file(chart, subject="F2 with paper")
        r1 = register(chart, subject="R1 on paper")
        receipts.put_in_file(desk=desk, receipt_id=r1.pk, file_id=f2.pk, origin=ORIGIN)
    with at(nov(12)):
        send(chart, "so", f2, "DS(Admin)")
    with at(nov(13)):
        send(chart, "ds", f2, "SECY")
    # The day itself.
    with at(nov(18), 9):
        register_scan(chart, subject="E1")
        register_scan(chart, subject="E2")
        paper = register(chart, subject="P1")
        send(chart, "so", paper, "DS(Admin)")  # a receipt's movement: no file is active
    with at(nov(18), 10):
        f3 = open_file(chart, subject="F3 electronic")
        files.attach_document(
            desk=desk, file_id=f3.pk, stream=_scan(), name="a.pdf", title="Scan", origin=ORIGIN
        )
    with at(nov(18), 11):
        files.close_file(desk=desk, file_id=f1.pk, reason="Settled", origin=ORIGIN)
        files.close_file(desk=desk, file_id=f0.pk, reason="Settled", origin=ORIGIN)
    with at(nov(18), 13):
        send(chart, "so", f3, "SO(Budget)")
    # After the day: none of it may change the day's figures (a back-fill reads them later).
    with at(nov(19)):
        open_file(chart, subject="F4 next day")
        register_scan(chart, subject="E3 next day")
        late = register(chart, subject="P2 next day")
        send(chart, "secy", f2, "SO(Budget)")
        files.reopen_file(desk=desk, file_id=f1.pk, reason="Again", origin=ORIGIN)
        files.close_file(desk=desk, file_id=f1.pk, reason="Done", origin=ORIGIN)
    with at(nov(19), 14):
        receipts.put_in_file(
            desk=chart.desk("sob"),
            receipt_id=_at_sob(chart, late).pk,
            file_id=f3.pk,
            origin=ORIGIN,
        )

    with CaptureQueriesContext(connection) as queries:
        figures = day_figures(nov(18))
    assert len(reads(queries)) <= 4
    assert figures == {
        # E1, E2 registered on the day; P1 (R0 and R1 are earlier, E3 and P2 later).
        "receipts_electronic": 2,
        "receipts_physical": 1,
        # F3.
        "files_opened": 1,
        # F1 (2 Nov 10:00 to 18 Nov 11:00: 16 days 1 hour = 16 whole days) and F0 (20 Oct
        # 10:00 to 18 Nov 11:00: 29 days 1 hour = 29); F1's second closing is on 19 Nov.
        "files_closed": 2,
        "closing_days_sum": 16 + 29,
        # This month by the day's end: F1 (no correspondence) and F3 (a scanned document;
        # the paper receipt joins it only on 19 Nov) electronic; F2 holds paper R1.
        "files_opened_month_electronic": 2,
        "files_opened_month_physical": 1,
        # F2 (moved 12 and 13 Nov: SO(Admin), DS(Admin), SECY = 3 posts; its 19 Nov move to
        # SO(Budget) is later) and F3 (SO(Admin) → SO(Budget) = 2); F0 moved only in October.
        "files_active_month": 2,
        "file_posts_sum_month": 3 + 2,
        "letters_electronic_month": 0,
        "letters_post_month": 0,
    }
    # The first of the month counts only its own day's files.
    first = day_figures(nov(2))
    assert (first["files_opened"], first["files_opened_month_electronic"]) == (1, 1)
    assert first["files_active_month"] == 0
    # Next day: F4 opened; F3 now holds paper; F1 closed once more (17 days 2 hours... it was
    # created 2 Nov 10:00 and closed 19 Nov 12:00: 17 days 2 hours = 17).
    after = day_figures(nov(19))
    assert (after["files_closed"], after["closing_days_sum"]) == (1, 17)
    assert (after["files_opened_month_electronic"], after["files_opened_month_physical"]) == (
        2,
        2,
    )
    assert (after["receipts_electronic"], after["receipts_physical"]) == (1, 1)


def _at_sob(chart: Chart, receipt: Item) -> Item:
    """Sends the receipt from SO(Admin) to SO(Budget), where F3 now lies."""
    send(chart, "so", receipt, "SO(Budget)")
    return receipt


# Pendency on Mon 30 Nov 2026 (Iqbal Day, Mon 9 Nov, a seeded holiday).


def _arrived(item: Item, day: datetime.date) -> None:
    Item.objects.filter(pk=item.pk).update(arrived_at=local(day))


def test_pendency_counts_working_days_in_the_tenant_calendar(chart: Chart) -> None:
    desk = chart.desk("so")
    a = register(chart, subject="A")
    b = register(chart, subject="B")
    c = open_file(chart, subject="C parked")
    files.park(desk=desk, file_id=c.pk, origin=ORIGIN)
    d = open_file(chart, subject="D closed")
    files.close_file(desk=desk, file_id=d.pk, reason="Done", origin=ORIGIN)
    e = register(chart, subject="E")
    send(chart, "so", e, "DS(Admin)")
    f = register(chart, subject="F")
    send(chart, "so", f, "DS(Admin)")
    g = register(chart, subject="G", who="sob")
    for item, day in [
        (a, datetime.date(2026, 10, 15)),
        (b, nov(18)),
        (c, nov(19)),
        (d, datetime.date(2026, 10, 1)),
        (e, datetime.date(2026, 10, 16)),
        (f, nov(10)),
        (g, nov(2)),
    ]:
        _arrived(item, day)

    with CaptureQueriesContext(connection) as queries:
        snapshot = pendency_snapshot(nov(30))
    assert len(reads(queries)) <= 5
    so, ds, sob = (chart.post(p) for p in ("SO(Admin)", "DS(Admin)", "SO(Budget)"))
    assert snapshot == {
        "pendency_measured": 1,
        # More than 7 working days (on or before 18 Nov): A, B, E, F, G; C (19 Nov) is 7 and
        # D is closed.
        "pending_over_7": 5,
        # More than 30 (on or before 15 Oct, 9 Nov being a holiday): A only; E (16 Oct) is 30.
        "pending_over_30": 1,
        "pending_worst_posts": [
            # A (15 Oct) is 31 working days old, E (16 Oct) 30, G (2 Nov) 19.
            {
                "post_id": so.pk,
                "post": "SO(Admin) (Section Officer (Admin))",
                "items": 2,
                "oldest_days": 31,
            },
            {
                "post_id": ds.pk,
                "post": "DS(Admin) (Deputy Secretary (Admin))",
                "items": 2,
                "oldest_days": 30,
            },
            {
                "post_id": sob.pk,
                "post": "SO(Budget) (Section Officer (Budget))",
                "items": 1,
                "oldest_days": 19,
            },
        ],
    }
    # Iqbal Day withdrawn: 9 Nov works, so E (16 Oct) is 31 working days old too.
    Holiday.objects.filter(day=nov(9)).update(withdrawn_at=timezone.now())
    again = pendency_snapshot(nov(30))
    assert again["pending_over_30"] == 2
    assert [p["oldest_days"] for p in again["pending_worst_posts"]] == [32, 31, 20]


def test_reported_month_is_upserted(chart: Chart) -> None:
    month = datetime.date(2026, 11, 1)
    record_reported_month(month=month, figures={"files_opened": 3}, level=1, level_rule="L1")
    record_reported_month(month=month, figures={"files_opened": 4}, level=2, level_rule="L2")
    row = ReportedMonth.objects.get()
    assert (row.figures, row.level, row.level_rule) == ({"files_opened": 4}, 2, "L2")
    with pytest.raises(ValueError):
        record_reported_month(month=nov(2), figures={}, level=None, level_rule="")


def test_reported_months_reach_a_suspended_e_office(world: World) -> None:
    from provisioning.lifecycle_services import suspend_tenant
    from tests.conftest import ACTOR

    tenant = world.punjab.tenant
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Unpaid invoices for October")
    month = datetime.date(2026, 11, 1)
    with schema_context(tenant.schema_name):
        record_reported_month(month=month, figures={"files_opened": 1}, level=0, level_rule="")
        record_reported_month(month=month, figures={"files_opened": 2}, level=1, level_rule="L1")
        assert ReportedMonth.objects.get().figures == {"files_opened": 2}


def test_implementation_figures_page_shows_reported_months_to_administrators(
    world: World,
) -> None:
    from tests.conftest import signed_in_client

    with schema_context(world.punjab.tenant.schema_name):
        record_reported_month(
            month=datetime.date(2026, 10, 1),
            figures={"files_closed": 7, "pending_over_7": 3},
            level=2,
            level_rule="Level 2: at least 50 % of accounts active.",
        )
    page = signed_in_client(world.punjab.host, world.punjab.admin_email).get("/manage/figures/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "October 2026" in body
    assert "Level 2: at least 50 % of accounts active." in body
    assert "Closings of files in the month" in body
    assert ">7<" in body
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    assert officer.get("/manage/figures/").status_code in (403, 404)


def test_administrators_add_and_withdraw_holidays_on_record(world: World) -> None:
    from eoffice.models import OrgChange
    from tests.conftest import signed_in_client

    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    assert "Iqbal Day" in admin.get("/manage/holidays/").content.decode()
    added = admin.post("/manage/holidays/new/", {"day": "2026-12-24", "name": " Local  holiday "})
    assert added.status_code == 302
    # The same day twice is refused, and nothing more is recorded.
    admin.post("/manage/holidays/new/", {"day": "2026-12-24", "name": "Again"})
    with schema_context(world.punjab.tenant.schema_name):
        holiday = Holiday.objects.get(day=datetime.date(2026, 12, 24))
        assert holiday.name == "Local holiday"
    admin.post(f"/manage/holidays/{holiday.pk}/withdraw/")
    admin.post(f"/manage/holidays/{holiday.pk}/withdraw/")
    with schema_context(world.punjab.tenant.schema_name):
        holiday.refresh_from_db()
        assert holiday.withdrawn_at is not None
        assert list(OrgChange.objects.order_by("pk").values_list("action", "summary")) == [
            ("holiday_added", "Holiday 2026-12-24 “Local holiday” added"),
            ("holiday_withdrawn", "Holiday 2026-12-24 “Local holiday” withdrawn"),
        ]
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    assert officer.post(
        "/manage/holidays/new/", {"day": "2026-12-23", "name": "X"}
    ).status_code in (
        403,
        404,
    )
