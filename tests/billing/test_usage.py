"""Daily usage: what the e-office reports for a day, and the append-only ledger it lands in."""

import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account, record_active_day
from billing.models import BillingEvent, BillingTerm, Plan, UsageAttempt, UsageRecord
from billing.selectors.usage import (
    last_usage,
    last_usage_for_tenants,
    latest_usage,
    missing_days,
    missing_days_for_tenants,
    usage_failures,
    usage_for_tenants,
)
from billing.services.usage import record_usage, record_usage_failure
from eoffice.models import Document
from eoffice.selectors.usage import usage_on, work_on
from tenants.models import Tenant
from tests.conftest import ACTOR, World
from tests.eoffice.chart import build_chart, open_file, register, register_scan

pytestmark = pytest.mark.django_db

D = datetime.date
KARACHI = timezone.get_default_timezone()


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An instant on `day` in settings.TIME_ZONE (Asia/Karachi, UTC+5)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)), KARACHI)


def add_document(size: int, uploaded_at: datetime.datetime) -> Document:
    """A document record in the current schema, dated as if uploaded then."""
    document = Document.objects.create(
        storage_key=f"documents/{uuid.uuid4().hex}/scan.pdf",
        original_name="scan.pdf",
        content_type="application/pdf",
        size=size,
        sha256="0" * 64,
        uploaded_by=User.objects.order_by("pk")[0],
    )
    Document.objects.filter(pk=document.pk).update(uploaded_at=uploaded_at)
    return document


def reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read data (django-tenants also sets the search path on each cursor)."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]


def figures(officers: int = 4, active: int = 2, month: int = 3, storage: int = 10) -> dict:
    return {
        "officers": officers,
        "officers_active": active,
        "officers_active_month": month,
        "storage_bytes": storage,
    }


def term(tenant: Tenant, day: datetime.date, *, billable: bool = True) -> BillingTerm:
    return BillingTerm.objects.create(
        tenant=tenant,
        partner=tenant.partner,
        plan=Plan.objects.get(code="standard"),
        effective_from=day,
        billable=billable,
        recorded_by=ACTOR,
    )


# --- The e-office's figures for a day --------------------------------------------------------


@pytest.fixture(autouse=True)
def accounts_from_january(world: World) -> None:
    """The test tenants' accounts were made today; date them back, as an e-office running
    since January has them (rolled back with the test)."""
    for made in (world.punjab, world.sindh):
        with schema_context(made.tenant.schema_name):
            User.objects.update(date_joined=at(D(2026, 1, 1), 9))


def test_usage_on_counts_the_days_sign_ins_the_months_seats_and_storage(world: World) -> None:
    day = D(2026, 11, 10)
    with schema_context(world.punjab.tenant.schema_name):
        officers = {u.email: u for u in User.objects.all()}
        first, second, third = (officers[e] for e in world.punjab.officer_emails)
        record_active_day(user=first, day=day)
        record_active_day(user=first, day=D(2026, 11, 2))
        record_active_day(user=second, day=D(2026, 11, 1))
        record_active_day(user=third, day=D(2026, 10, 31))  # the month before: not a seat
        record_active_day(user=third, day=D(2026, 11, 11))  # after the day: not yet
        add_document(1_000, at(day, 9))
        add_document(500, at(day, 23, 59))  # 18:59 UTC: still the day in Karachi
        add_document(7_000, at(day + datetime.timedelta(days=1), 0, 0))  # the next day

        usage = usage_on(day)

    assert usage == {
        "officers": world.punjab.account_count,
        "officers_active": 1,
        "officers_active_month": 2,
        "storage_bytes": 1_500,
    }


def test_a_back_filled_day_gives_what_the_day_itself_gave(world: World) -> None:
    day = D(2026, 11, 10)
    with schema_context(world.punjab.tenant.schema_name):
        officer = User.objects.get(email=world.punjab.officer_email)
        record_active_day(user=officer, day=day)
        add_document(2_000, at(day, 12))
        on_the_night = usage_on(day)
        # What happened after the day: more sign-ins, uploads and a new account.
        record_active_day(user=officer, day=day + datetime.timedelta(days=3))
        add_document(9_000, at(day + datetime.timedelta(days=2), 8))
        create_account(email="late@punjab.example", full_name="Late Joiner")  # joined today

        assert usage_on(day) == on_the_night


def test_usage_on_reads_only_the_schema_it_is_run_in(world: World) -> None:
    day = D(2026, 11, 10)
    with schema_context(world.punjab.tenant.schema_name):
        record_active_day(user=User.objects.get(email=world.punjab.officer_email), day=day)
        add_document(4_000, at(day, 10))
    with schema_context(world.sindh.tenant.schema_name):
        sindh = usage_on(day)

    assert sindh == {
        "officers": world.sindh.account_count,
        "officers_active": 0,
        "officers_active_month": 0,
        "storage_bytes": 0,
    }


def test_real_work_counts_in_the_days_storage_and_figures(world: World) -> None:
    """Through the e-office's own services: a scanned receipt's stored PDF is storage, and the
    day's receipts, files and uploads are the federal report's figures."""
    day = timezone.localdate(timezone=KARACHI)
    with schema_context(world.punjab.tenant.schema_name):
        chart = build_chart()
        before = usage_on(day)["storage_bytes"]
        register(chart)
        scan = register_scan(chart, pages=2)
        open_file(chart)

        usage, work = usage_on(day), work_on(day)
        yesterday = work_on(day - datetime.timedelta(days=1))
        assert scan.document is not None
        scan_size = scan.document.size

    assert usage["storage_bytes"] - before == scan_size > 0
    assert work == {"receipts_opened": 2, "files_opened": 1, "documents_uploaded": 1}
    assert yesterday == {"receipts_opened": 0, "files_opened": 0, "documents_uploaded": 0}


# --- The ledger: one record a day, re-runs change nothing, corrections are revisions ---------


def test_a_re_run_of_a_collected_day_writes_nothing(world: World) -> None:
    tenant, day = world.punjab.tenant, D(2026, 11, 10)
    first = record_usage(tenant=tenant, day=day, **figures(active=2))

    again = record_usage(tenant=tenant, day=day, **figures(active=9))

    assert again.pk == first.pk and again.officers_active == 2 and first.revision == 0
    assert UsageRecord.objects.filter(tenant=tenant, day=day).count() == 1
    assert not BillingEvent.objects.filter(tenant=tenant, action="usage_recomputed").exists()


def test_a_recomputation_appends_the_next_revision_and_is_audited(world: World) -> None:
    tenant, day = world.punjab.tenant, D(2026, 11, 10)
    record_usage(tenant=tenant, day=day, **figures(active=2))

    corrected = record_usage(
        tenant=tenant, day=day, recomputed_by="federal@board.example", **figures(active=3)
    )

    assert (corrected.revision, corrected.officers_active) == (1, 3)
    assert [r.revision for r in UsageRecord.objects.filter(tenant=tenant, day=day)] == [0, 1]
    event = BillingEvent.objects.get(tenant=tenant, action="usage_recomputed")
    assert event.actor == "federal@board.example"
    assert event.detail["before"]["officers_active"] == 2
    assert event.detail["after"]["officers_active"] == 3
    # And a later collection of the day still changes nothing.
    assert record_usage(tenant=tenant, day=day, **figures(active=7)).pk == corrected.pk


def test_usage_records_are_append_only_in_the_database(world: World) -> None:
    record = record_usage(tenant=world.punjab.tenant, day=D(2026, 11, 10), **figures())

    for change in (
        lambda: UsageRecord.objects.filter(pk=record.pk).update(officers_active=99),
        lambda: UsageRecord.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    with pytest.raises(TypeError):
        record.save()


def test_a_failed_collection_is_kept_with_its_reason_and_the_day_stays_missing(
    world: World,
) -> None:
    tenant, day = world.punjab.tenant, D(2026, 11, 10)
    term(tenant, D(2026, 11, 1))

    record_usage_failure(tenant=tenant, day=day, error="OperationalError: server closed")

    assert [a.error for a in usage_failures(tenant, day, day)] == [
        "OperationalError: server closed"
    ]
    assert day in missing_days(tenant, D(2026, 11, 1), D(2026, 11, 30))
    assert not UsageAttempt.objects.filter(tenant=world.sindh.tenant).exists()


# --- Reading the ledger ----------------------------------------------------------------------


def test_latest_usage_gives_the_highest_revision_of_each_day_in_day_order(world: World) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    for day in (D(2026, 11, 3), D(2026, 11, 1), D(2026, 11, 2), D(2026, 12, 1)):
        record_usage(tenant=punjab, day=day, **figures(active=1))
    record_usage(tenant=punjab, day=D(2026, 11, 2), recomputed_by=ACTOR, **figures(active=5))
    record_usage(tenant=sindh, day=D(2026, 11, 2), **figures(active=8))

    records = latest_usage(punjab, D(2026, 11, 1), D(2026, 11, 30))

    assert [(r.day.day, r.revision, r.officers_active) for r in records] == [
        (1, 0, 1),
        (2, 1, 5),
        (3, 0, 1),
    ]
    assert {r.tenant_id for r in records} == {punjab.pk}  # never another tenant's
    assert last_usage(punjab).day == D(2026, 12, 1)
    assert last_usage(sindh).officers_active == 8


def test_last_usage_is_none_before_the_first_record(world: World) -> None:
    assert last_usage(world.sindh.tenant) is None
    assert last_usage_for_tenants([world.sindh.tenant.pk]) == {}


def test_usage_for_tenants_reads_any_number_of_tenants_in_one_query(world: World) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    for day in (D(2026, 11, 1), D(2026, 11, 2)):
        record_usage(tenant=punjab, day=day, **figures(active=1))
    record_usage(tenant=punjab, day=D(2026, 11, 2), recomputed_by=ACTOR, **figures(active=4))
    record_usage(tenant=sindh, day=D(2026, 11, 2), **figures(active=2))

    with CaptureQueriesContext(connection) as queries:
        found = usage_for_tenants([punjab.pk, sindh.pk, 999_999], D(2026, 11, 1), D(2026, 11, 30))
        latest = last_usage_for_tenants([punjab.pk, sindh.pk])

    assert len(reads(queries)) == 2
    assert [(r.day.day, r.officers_active) for r in found[punjab.pk]] == [(1, 1), (2, 4)]
    assert [(r.day.day, r.officers_active) for r in found[sindh.pk]] == [(2, 2)]
    assert found[999_999] == []
    assert (latest[punjab.pk].day, latest[punjab.pk].revision) == (D(2026, 11, 2), 1)


def test_missing_days_are_the_billable_days_without_a_record(world: World) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    term(punjab, D(2026, 11, 5))  # opened on the 5th
    term(punjab, D(2026, 11, 10), billable=False)  # archived on the 10th
    term(punjab, D(2026, 11, 20))  # restored on the 20th
    for day in (D(2026, 11, 6), D(2026, 11, 7), D(2026, 11, 21)):
        record_usage(tenant=punjab, day=day, **figures())
    record_usage(tenant=sindh, day=D(2026, 11, 5), **figures())  # another tenant's record

    missing = missing_days(punjab, D(2026, 11, 1), D(2026, 11, 22))

    assert missing == [
        D(2026, 11, 5),
        D(2026, 11, 8),
        D(2026, 11, 9),
        D(2026, 11, 20),
        D(2026, 11, 22),
    ]
    # Sindh has no term: nothing of it is billable, nothing is missing.
    assert missing_days(sindh, D(2026, 11, 1), D(2026, 11, 22)) == []


def test_missing_days_for_every_tenant_take_two_queries(world: World) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    term(punjab, D(2026, 11, 1))
    term(sindh, D(2026, 11, 2))
    term(sindh, D(2026, 11, 2), billable=False)  # the later recorded of a day wins
    record_usage(tenant=punjab, day=D(2026, 11, 2), **figures())

    with CaptureQueriesContext(connection) as queries:
        missing = missing_days_for_tenants(D(2026, 11, 1), D(2026, 11, 3))

    assert len(reads(queries)) == 2
    assert missing[punjab.pk] == [D(2026, 11, 1), D(2026, 11, 3)]
    assert sindh.pk not in missing
