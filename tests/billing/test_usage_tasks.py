"""Collecting usage: a task per tenant and day enters the tenant's schema, reads its figures and
records them in the control plane; only finished days; the nightly run back-fills missed days."""

import datetime
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import record_active_day
from billing.models import BillingEvent, BillingTerm, Plan, UsageAttempt, UsageRecord
from billing.selectors.usage import latest_usage, missing_days
from billing.services.usage import record_usage
from billing.tasks.usage import (
    BACKFILL_DAYS,
    collect_all_usage,
    collect_usage,
    recompute_usage,
)
from config.celery import app
from config.tenancy import current_schema
from tenants.models import Tenant
from tenants.services import register_tenant, transition_tenant
from tests.conftest import ACTOR, Worker, World
from tests.provisioning.test_archive import committed_tenant
from tests.worker import wait_for

KARACHI = timezone.get_default_timezone()


def today() -> datetime.date:
    return timezone.localdate(timezone=KARACHI)


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


def bill_from(tenant: Tenant, day: datetime.date, *, billable: bool = True) -> BillingTerm:
    return BillingTerm.objects.create(
        tenant=tenant,
        partner=tenant.partner,
        plan=Plan.objects.get(code="standard"),
        effective_from=day,
        billable=billable,
        recorded_by=ACTOR,
    )


def accounts_joined(schema: str, day: datetime.date) -> None:
    joined = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)), KARACHI)
    with schema_context(schema):
        User.objects.update(date_joined=joined)


def signed_in(schema: str, email: str, day: datetime.date) -> None:
    with schema_context(schema):
        record_active_day(user=User.objects.get(email=email), day=day)


# --- One tenant's day --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_finished_day_is_read_in_the_tenants_schema_and_recorded_once(world: World) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(30))
    accounts_joined(punjab.schema_name, days_ago(30))
    signed_in(punjab.schema_name, world.punjab.officer_email, days_ago(1))
    signed_in(punjab.schema_name, world.punjab.officer_emails[1], days_ago(1))
    signed_in(world.sindh.tenant.schema_name, world.sindh.officer_email, days_ago(1))

    record_id = collect_usage(punjab.pk, days_ago(1).isoformat())

    record = UsageRecord.objects.get(pk=record_id)
    assert (record.tenant, record.day, record.revision) == (punjab, days_ago(1), 0)
    assert (record.officers, record.officers_active) == (world.punjab.account_count, 2)
    # Yesterday's collection also measures pendency (what lies in trays now).
    assert record.figures == {
        "receipts_opened": 0,
        "files_opened": 0,
        "documents_uploaded": 0,
        "receipts_electronic": 0,
        "receipts_physical": 0,
        "files_closed": 0,
        "closing_days_sum": 0,
        "files_opened_month_electronic": 0,
        "files_opened_month_physical": 0,
        "files_active_month": 0,
        "file_posts_sum_month": 0,
        "letters_electronic_month": 0,
        "letters_post_month": 0,
        "pendency_measured": 1,
        "pending_over_7": 0,
        "pending_over_30": 0,
        "pending_worst_posts": [],
    }
    # A back-filled day has its datable figures but no pendency (it cannot be read for the past).
    older = UsageRecord.objects.get(pk=collect_usage(punjab.pk, days_ago(2).isoformat()))
    assert "pendency_measured" not in older.figures
    assert older.figures["receipts_electronic"] == 0
    # A second run of the same day (a task delivered twice) returns it and writes nothing.
    assert collect_usage(punjab.pk, days_ago(1).isoformat()) == record_id
    assert UsageRecord.objects.filter(tenant=punjab).count() == 2
    assert current_schema() == "public"


@pytest.mark.django_db
def test_today_and_future_days_are_refused(world: World) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(30))

    for day in (today(), today() + datetime.timedelta(days=1)):
        with pytest.raises(ValueError, match="only finished days"):
            collect_usage(punjab.pk, day.isoformat())
        with pytest.raises(ValueError, match="only finished days"):
            recompute_usage(punjab.pk, day.isoformat(), "federal@board.example")
        with pytest.raises(ValueError, match="only finished days"):
            collect_all_usage(day.isoformat())
    assert not UsageRecord.objects.filter(tenant=punjab).exists()


@pytest.mark.django_db
def test_a_day_the_tenant_was_not_billable_is_not_recorded(world: World) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    bill_from(punjab, days_ago(10))
    bill_from(punjab, days_ago(5), billable=False)  # archived five days ago

    assert collect_usage(punjab.pk, days_ago(11).isoformat()) is None  # before its first term
    assert collect_usage(punjab.pk, days_ago(3).isoformat()) is None  # archived
    assert collect_usage(sindh.pk, days_ago(3).isoformat()) is None  # never billed
    assert collect_usage(punjab.pk, days_ago(6).isoformat()) is not None
    assert [r.day for r in UsageRecord.objects.filter(tenant__in=[punjab, sindh])] == [days_ago(6)]


@pytest.mark.django_db
def test_a_tenant_without_a_schema_records_nothing(world: World) -> None:
    # Registered only: its schema name exists, its schema does not (as after a deletion).
    tenant = register_tenant(
        name="No Schema", kind=Tenant.Kind.PROVINCE, subdomain="no-schema", actor=ACTOR
    )
    bill_from(tenant, days_ago(5))

    assert collect_usage(tenant.pk, days_ago(1).isoformat()) is None
    assert not UsageRecord.objects.filter(tenant=tenant).exists()


@pytest.mark.django_db
def test_a_collection_that_fails_is_recorded_with_its_error_and_the_day_stays_missing(
    world: World,
) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(30))
    quoted = connection.ops.quote_name(punjab.schema_name)
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f"ALTER TABLE {quoted}.eoffice_document RENAME TO gone_document")

    result = collect_usage.apply(args=(punjab.pk, days_ago(1).isoformat()))

    assert result.failed()
    attempt = UsageAttempt.objects.get(tenant=punjab, day=days_ago(1))
    assert "ProgrammingError" in attempt.error and "eoffice_document" in attempt.error
    assert days_ago(1) in missing_days(punjab, days_ago(1), days_ago(1))


@pytest.mark.django_db
def test_a_recomputation_records_the_next_revision_by_whom_it_was_asked(world: World) -> None:
    punjab, day = world.punjab.tenant, days_ago(2)
    bill_from(punjab, days_ago(30))
    accounts_joined(punjab.schema_name, days_ago(30))
    first = UsageRecord.objects.get(pk=collect_usage(punjab.pk, day.isoformat()))
    signed_in(punjab.schema_name, world.punjab.officer_email, day)  # found later, e.g. a fix

    with pytest.raises(ValueError, match="names who asked"):
        recompute_usage(punjab.pk, day.isoformat(), " ")
    again = UsageRecord.objects.get(
        pk=recompute_usage(punjab.pk, day.isoformat(), "federal@board.example")
    )

    assert (first.officers_active, again.officers_active, again.revision) == (0, 1, 1)
    assert again.recomputed_by == "federal@board.example"
    assert [r.pk for r in latest_usage(punjab, day, day)] == [again.pk]
    assert BillingEvent.objects.filter(tenant=punjab, action="usage_recomputed").count() == 1


# --- The nightly run ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_run_collects_yesterday_and_back_fills_missed_days(
    world: World, eager: None
) -> None:
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    bill_from(punjab, days_ago(4))
    bill_from(sindh, days_ago(60))
    accounts_joined(punjab.schema_name, days_ago(30))
    accounts_joined(sindh.schema_name, days_ago(90))
    record_usage(  # a day collected before: kept as it was, not collected again
        tenant=punjab,
        day=days_ago(3),
        officers=99,
        officers_active=0,
        officers_active_month=0,
        storage_bytes=0,
    )

    collect_all_usage()

    assert [r.day for r in latest_usage(punjab, days_ago(60), today())] == [
        days_ago(4),
        days_ago(3),
        days_ago(2),
        days_ago(1),
    ]
    assert UsageRecord.objects.get(tenant=punjab, day=days_ago(3)).officers == 99
    # Sindh was billable for 60 days: the run reaches back BACKFILL_DAYS, no further.
    sindh_days = [r.day for r in latest_usage(sindh, days_ago(90), today())]
    assert sindh_days == [days_ago(n) for n in range(BACKFILL_DAYS, 0, -1)]
    # A second night changes nothing and queues nothing for these two.
    before = UsageRecord.objects.filter(tenant__in=[punjab, sindh]).count()
    collect_all_usage()
    assert UsageRecord.objects.filter(tenant__in=[punjab, sindh]).count() == before


@pytest.mark.django_db
def test_the_nightly_run_skips_deleted_tenants(world: World, eager: None) -> None:
    punjab = world.punjab.tenant
    bill_from(punjab, days_ago(2))
    before = UsageRecord.objects.filter(tenant=punjab).count()
    # Through the state machine only (rolled back); its schema is still there, so only the
    # state can keep the run from reading it.
    for state in (Tenant.State.SUSPENDED, Tenant.State.ARCHIVED, Tenant.State.DELETED):
        transition_tenant(tenant=punjab, to_state=state, actor=ACTOR)
    assert missing_days(punjab, days_ago(2), days_ago(1)) == [days_ago(2), days_ago(1)]

    collect_all_usage(days_ago(1).isoformat())

    assert UsageRecord.objects.filter(tenant=punjab).count() == before


# --- In a real worker --------------------------------------------------------------------------


def record_of(tenant_id: int, day: datetime.date) -> UsageRecord | None:
    return UsageRecord.objects.filter(tenant_id=tenant_id, day=day).first()


@pytest.mark.worker
def test_a_worker_collects_a_tenants_day_from_its_schema(
    world: World, committed: None, celery_worker: Worker
) -> None:
    tenant = committed_tenant("usage-worker", "Usage Worker")
    bill_from(tenant, days_ago(10))
    accounts_joined(tenant.schema_name, days_ago(10))
    signed_in(tenant.schema_name, "officer1@usage-worker.example", days_ago(2))
    signed_in(tenant.schema_name, "officer1@usage-worker.example", days_ago(1))
    signed_in(tenant.schema_name, "officer2@usage-worker.example", days_ago(1))

    # Queued from the control plane; the same day twice, then another day, in that order.
    collect_usage.delay(tenant.pk, days_ago(1).isoformat())
    collect_usage.delay(tenant.pk, days_ago(1).isoformat())
    collect_usage.delay(tenant.pk, days_ago(2).isoformat())

    wait_for(
        partial(record_of, tenant.pk, days_ago(2)),
        timeout=60,
        what="the usage of two days ago",
        log=celery_worker.log,
    )
    yesterday = UsageRecord.objects.get(tenant=tenant, day=days_ago(1))
    assert (yesterday.officers, yesterday.officers_active) == (4, 2)
    assert yesterday.officers_active_month == 2  # the same two, whether or not the 1st
    assert UsageRecord.objects.filter(tenant=tenant).count() == 2


def test_the_nightly_run_is_scheduled_for_half_past_midnight_in_the_platforms_time_zone() -> None:
    from celery.schedules import crontab
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["collect-daily-usage"]
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    (hour,), (minute,) = schedule.hour, schedule.minute

    assert entry["task"] == collect_all_usage.name and entry["task"] in app.tasks
    assert (hour, minute) == (0, 30)
    # ... counted in the platform's time zone, the one usage days are counted in.
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE == str(KARACHI)
    assert app.conf.timezone == settings.TIME_ZONE


@pytest.mark.django_db
def test_a_database_that_keeps_timing_out_is_retried_then_recorded_and_collected_later(
    world: World,
) -> None:
    """A lock another session holds on the tenant's table makes every read time out (an
    OperationalError, as an unreachable server does): retried, then recorded as a failure;
    once the lock is gone the same day is collected."""
    from django.db import connections

    punjab, day = world.punjab.tenant, days_ago(1)
    bill_from(punjab, days_ago(30))
    table = f"{connection.ops.quote_name(punjab.schema_name)}.eoffice_document"
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
        result = collect_usage.apply(args=(punjab.pk, day.isoformat()))
    finally:
        other.close()  # ends its transaction and its lock
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert result.failed()
    attempt = UsageAttempt.objects.get(tenant=punjab, day=day)
    assert attempt.error.startswith("OperationalError")
    assert collect_usage(punjab.pk, day.isoformat()) is not None
