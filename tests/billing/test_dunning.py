"""Dunning that never deletes: a failed or overdue payment opens the plan's grace period, with
reminders at the start, midway and one day before the end, each once; when grace ends unpaid
the invoice's tenants become read-only; paying (or an extension) makes them writable again."""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from billing.context_processors import cache_key
from billing.models import BillingAccount, BillingEvent, GracePeriod, Invoice, InvoiceLine, Plan
from billing.selectors.dunning import (
    billing_holds_due,
    billing_holds_to_lift,
    grace_notice_for_tenant,
    grace_notices_for_partner,
    tenants_in_grace,
)
from billing.services.dunning import (
    grant_extension,
    invoice_changed,
    open_overdue_grace_periods,
    send_due_reminders,
)
from billing.tasks.dunning import run_dunning
from config.celery import app
from eoffice.models import AuditEntry
from provisioning.lifecycle_services import resume_tenant, suspend_tenant
from provisioning.tasks import apply_billing_holds
from tenants.models import Partner, SuspensionHold, Tenant
from tenants.selectors import open_holds, suspension_reason
from tenants.services import create_partner
from tests.conftest import (
    ACTOR,
    PASSWORD,
    Worker,
    World,
    make_test_tenant,
    signed_in_client,
)
from tests.worker import wait_for

S = Tenant.State
DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def make_invoice(
    partner: Partner,
    shares: dict[Tenant, int],
    *,
    number: str | None = None,
    failed: bool = True,
    due_on: datetime.date | None = None,
    state: str = Invoice.State.FINALISED,
    replaces: Invoice | None = None,
) -> Invoice:
    """A finalised invoice of November 2026 with one line per tenant (its amount in paisa), as
    the ledger would write it; its payment failed unless `failed` is False."""
    plan = Plan.objects.get(code="standard")
    price = plan.prices.order_by("effective_from").first()
    assert price is not None
    total = sum(shares.values())
    invoice = Invoice.objects.create(
        partner=partner,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
        currency="pkr",
        state=state,
        number=number or f"INV-2026-{uuid.uuid4().int % 10**6:06d}",
        subtotal_minor=total,
        total_minor=total,
        finalised_at=timezone.now(),
        due_on=due_on or today() + 7 * DAY,
        payment_failed_at=timezone.now() if failed else None,
        stripe_hosted_url="https://invoice.stripe.test/i/abc",
        replaces=replaces,
    )
    for position, (tenant, amount) in enumerate(shares.items(), start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            tenant=tenant,
            description=f"{tenant.name}, November 2026",
            plan=plan,
            price=price,
            first_day=invoice.period_start,
            last_day=invoice.period_end,
            days=30,
            month_days=30,
            seats=3,
            seat_amount_minor=amount,
            storage_gb=Decimal("0"),
            storage_over_gb=Decimal("0"),
            storage_amount_minor=0,
            amount_minor=amount,
        )
    return invoice


def pay(invoice: Invoice) -> None:
    """What the Stripe sync records when Stripe says the invoice is paid."""
    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.PAID, paid_at=timezone.now())
    invoice.refresh_from_db()
    invoice_changed(invoice=invoice)


def end_grace(invoice: Invoice) -> None:
    """As if the grace period had started 15 days ago and ended yesterday."""
    GracePeriod.objects.filter(invoice=invoice).update(
        started_on=today() - 15 * DAY, ends_on=today() - DAY
    )


def state_of(tenant: Tenant) -> str:
    tenant.refresh_from_db(fields=["state"])
    return tenant.state


def events(invoice: Invoice, action: str) -> list[BillingEvent]:
    return list(BillingEvent.objects.filter(invoice=invoice, action=action))


@pytest.fixture
def invoice(world: World, db: None) -> Invoice:
    """Test Partner IT's unpaid invoice: Punjab Rs 2,500 and a second tenant of the partner's
    (Sindh, for the test) Rs 1,000."""
    return make_invoice(world.partner, {world.punjab.tenant: 250_000, world.sindh.tenant: 100_000})


# --- the grace period ------------------------------------------------------------------------


def test_a_failed_payment_opens_the_plans_grace_period_once(invoice: Invoice) -> None:
    grace = invoice_changed(invoice=invoice)

    assert grace is not None
    assert (grace.started_on, grace.ends_on, grace.opened_because) == (
        today(),
        today() + 14 * DAY,
        "payment_failed",
    )
    assert invoice_changed(invoice=invoice) == grace
    assert GracePeriod.objects.filter(invoice=invoice).count() == 1
    (started,) = events(invoice, "grace_started")
    assert started.partner_id == invoice.partner_id
    assert started.detail["ends_on"] == str(today() + 14 * DAY)


def test_the_grace_is_as_long_as_the_plan_says(world: World, invoice: Invoice) -> None:
    Plan.objects.filter(code="standard").update(grace_days=5)

    grace = invoice_changed(invoice=invoice)

    assert grace is not None and grace.ends_on == today() + 5 * DAY


def test_an_invoice_not_yet_due_and_not_failed_has_no_grace(world: World, db: None) -> None:
    invoice = make_invoice(world.partner, {world.punjab.tenant: 1_000}, failed=False)

    assert invoice_changed(invoice=invoice) is None
    assert open_overdue_grace_periods() == 0


def test_an_invoice_past_its_due_date_opens_grace_from_the_day_after(
    world: World, db: None
) -> None:
    due = today() - 3 * DAY
    invoice = make_invoice(world.partner, {world.punjab.tenant: 1_000}, failed=False, due_on=due)

    assert open_overdue_grace_periods() == 1

    grace = GracePeriod.objects.get(invoice=invoice)
    assert (grace.started_on, grace.opened_because) == (due + DAY, "overdue")
    assert open_overdue_grace_periods() == 0


@pytest.mark.parametrize(("state", "outcome"), [("paid", "paid"), ("void", "void")])
def test_paying_or_voiding_closes_the_grace(invoice: Invoice, state: str, outcome: str) -> None:
    invoice_changed(invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(state=state)

    grace = invoice_changed(invoice=invoice)

    assert grace is not None and grace.closed_at is not None and grace.outcome == outcome
    assert len(events(invoice, "grace_closed")) == 1
    invoice_changed(invoice=invoice)
    assert len(events(invoice, "grace_closed")) == 1
    assert grace_notices_for_partner(invoice.partner) == []


# --- reminders -------------------------------------------------------------------------------


def test_reminders_go_at_the_start_midway_and_one_day_before_each_once(
    world: World, invoice: Invoice
) -> None:
    BillingAccount.objects.create(partner=world.partner, billing_email="accounts@partner.example")
    invoice_changed(invoice=invoice)

    assert send_due_reminders() == 1  # the start
    assert send_due_reminders() == 0
    started = list(mail.outbox)
    GracePeriod.objects.filter(invoice=invoice).update(started_on=today() - 7 * DAY)
    GracePeriod.objects.filter(invoice=invoice).update(ends_on=today() + 7 * DAY)
    assert send_due_reminders() == 1  # midway
    GracePeriod.objects.filter(invoice=invoice).update(ends_on=today() + DAY)
    assert run_dunning() == {"closed": 0, "opened": 0, "reminders": 1}  # one day before the end
    assert run_dunning() == {"closed": 0, "opened": 0, "reminders": 0}

    sent = [event.detail["reminder"] for event in events(invoice, "grace_reminder_sent")]
    assert sorted(sent) == ["last_day", "midway", "start"]
    grace = GracePeriod.objects.get(invoice=invoice)
    assert grace.reminded_start_at and grace.reminded_midway_at and grace.reminded_last_day_at
    # Each reminder: one e-mail to the partner's billing contacts, one to each administrator.
    recipients = [message.to for message in started]
    assert ["accounts@partner.example", "ops@partner.example"] in recipients
    assert [world.punjab.admin_email] in recipients and [world.sindh.admin_email] in recipients
    assert len(mail.outbox) == 3 * len(started)


def test_the_partner_is_told_the_total_and_each_administrator_only_their_share(
    world: World, invoice: Invoice
) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        User.objects.filter(email=world.punjab.admin_email).update(language="ur")
    invoice_changed(invoice=invoice)

    send_due_reminders()

    by_address = {tuple(message.to): message for message in mail.outbox}
    partner = by_address[("ops@partner.example",)]
    assert str(invoice.number) in str(partner.subject)
    assert "Rs 3,500.00" in partner.body and "Test Punjab" in partner.body
    assert invoice.stripe_hosted_url in partner.body
    punjab = by_address[(world.punjab.admin_email,)]
    sindh = by_address[(world.sindh.admin_email,)]
    assert "Rs 2,500.00" in punjab.body and "Rs 3,500.00" not in punjab.body
    assert "Test Sindh" not in punjab.body and "Test Punjab" not in sindh.body
    assert "Rs 1,000.00" in sindh.body
    assert "read-only" in sindh.body  # English, the administrator's language
    assert "صرف پڑھنے" in punjab.body  # Urdu, the one Punjab's administrator chose


def test_no_reminder_once_grace_has_ended(invoice: Invoice) -> None:
    invoice_changed(invoice=invoice)
    end_grace(invoice)

    assert send_due_reminders() == 0
    assert mail.outbox == []


# --- grace ends: read-only; paid: writable ---------------------------------------------------


def test_grace_ending_unpaid_makes_the_tenants_read_only_and_deletes_nothing(
    world: World, invoice: Invoice
) -> None:
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    with schema_context(world.punjab.tenant.schema_name):
        audit_entries = AuditEntry.objects.count()
    invoice_changed(invoice=invoice)
    assert billing_holds_due() == []
    end_grace(invoice)

    assert [(c.tenant_id, c.reference) for c in billing_holds_due()] == [
        (world.punjab.tenant.pk, invoice.number),
        (world.sindh.tenant.pk, invoice.number),
    ]
    assert apply_billing_holds() == {"placed": 2, "lifted": 0, "failed": 0}
    assert apply_billing_holds() == {"placed": 0, "lifted": 0, "failed": 0}

    tenant = world.punjab.tenant
    assert state_of(tenant) == S.SUSPENDED
    assert suspension_reason(tenant) == f"Unpaid invoice {invoice.number}"
    # A write is refused, saying why; a read works; signing in works.
    refused = officer.post("/accounts/email/", {"email": "late@punjab.example", "action_add": ""})
    assert refused.status_code == 403
    assert f"Unpaid invoice {invoice.number}" in refused.content.decode()
    assert officer.get("/directory/").status_code == 200
    assert officer.get("/receipts/", {"q": "budget"}).status_code == 200  # search
    assert signed_in_client(world.punjab.host, world.punjab.admin_email).get("/").status_code in {
        200,
        302,
    }
    # Nothing deleted: the invoice, its lines, the tenant's records.
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2
    with schema_context(tenant.schema_name):
        assert AuditEntry.objects.count() >= audit_entries
        assert User.objects.filter(email=world.punjab.officer_email).exists()
    # The banners say so.
    notice = grace_notice_for_tenant(tenant)
    assert notice is not None and notice.ended and notice.amount_minor == 250_000
    assert {row.tenant.pk: row.read_only for row in tenants_in_grace()} == {
        world.punjab.tenant.pk: True,
        world.sindh.tenant.pk: True,
    }


def test_paying_makes_the_tenants_writable_again(world: World, invoice: Invoice) -> None:
    invoice_changed(invoice=invoice)
    end_grace(invoice)
    apply_billing_holds()

    pay(invoice)

    assert [c.reason for c in billing_holds_to_lift()] == [f"invoice {invoice.number} paid"] * 2
    assert apply_billing_holds() == {"placed": 0, "lifted": 2, "failed": 0}
    assert (state_of(world.punjab.tenant), state_of(world.sindh.tenant)) == (S.ACTIVE, S.ACTIVE)
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    accepted = officer.post("/accounts/email/", {"email": "paid@punjab.example", "action_add": ""})
    assert accepted.status_code == 302
    (hold,) = SuspensionHold.objects.filter(tenant=world.punjab.tenant)
    assert hold.lifted_by == "system" and "paid" in hold.lift_reason
    audited = BillingEvent.objects.filter(tenant=world.punjab.tenant, invoice=invoice)
    assert sorted(audited.values_list("action", flat=True)) == [
        "billing_hold_lifted",
        "billing_hold_placed",
    ]


def test_paying_lifts_only_the_billing_suspension_never_a_federal_one(
    world: World, invoice: Invoice
) -> None:
    tenant = world.punjab.tenant
    invoice_changed(invoice=invoice)
    end_grace(invoice)
    apply_billing_holds()
    suspend_tenant(tenant=tenant, actor=ACTOR, reason="Security review")

    pay(invoice)
    apply_billing_holds()

    assert state_of(tenant) == S.SUSPENDED
    assert suspension_reason(tenant) == "Security review"
    assert state_of(world.sindh.tenant) == S.ACTIVE  # only billing held it
    resume_tenant(tenant=tenant, actor=ACTOR)
    assert state_of(tenant) == S.ACTIVE


def test_another_partners_tenant_is_unaffected(world: World, db: None) -> None:
    other = create_partner(name="Other Vendor", contact_email="ops@other.example")
    mine = make_invoice(other, {world.sindh.tenant: 10_000})
    invoice_changed(invoice=mine)
    end_grace(mine)

    apply_billing_holds()

    assert (state_of(world.sindh.tenant), state_of(world.punjab.tenant)) == (S.SUSPENDED, S.ACTIVE)
    assert grace_notice_for_tenant(world.punjab.tenant) is None
    assert grace_notices_for_partner(world.partner) == []
    (notice,) = grace_notices_for_partner(other)
    assert notice.invoice_number == mine.number and notice.amount_minor == 10_000


# --- extensions ------------------------------------------------------------------------------


def test_an_extension_lifts_the_billing_hold_until_the_new_date(
    world: World, invoice: Invoice
) -> None:
    invoice_changed(invoice=invoice)
    end_grace(invoice)
    apply_billing_holds()
    until = today() + 10 * DAY

    grace = grant_extension(
        invoice=invoice,
        until=until,
        actor=world.federal_admin_email,
        reason="Budget release pending",
        ip_address="203.0.113.9",
    )

    assert grace.last_day == until and grace.reminded_last_day_at is None
    (extended,) = events(invoice, "grace_extended")
    assert (extended.actor, extended.ip_address) == (world.federal_admin_email, "203.0.113.9")
    assert extended.detail["to"] == str(until)
    assert extended.detail["reason"] == "Budget release pending"
    assert apply_billing_holds()["lifted"] == 2
    assert state_of(world.punjab.tenant) == S.ACTIVE
    notice = grace_notice_for_tenant(world.punjab.tenant)
    assert notice is not None and (notice.last_day, notice.ended) == (until, False)
    # When the extension ends unpaid, read-only again.
    GracePeriod.objects.filter(invoice=invoice).update(extended_to=today() - DAY)
    assert apply_billing_holds()["placed"] == 2
    assert state_of(world.punjab.tenant) == S.SUSPENDED
    assert len(SuspensionHold.objects.filter(tenant=world.punjab.tenant)) == 2  # both kept


def test_only_a_federal_administrator_grants_an_extension(world: World, invoice: Invoice) -> None:
    invoice_changed(invoice=invoice)
    until = today() + 30 * DAY

    for actor in (world.partner_user_email, "nobody@board.example"):
        with pytest.raises(PermissionDenied):
            grant_extension(invoice=invoice, until=until, actor=actor, reason="Please")

    assert GracePeriod.objects.get(invoice=invoice).extended_to is None
    assert events(invoice, "grace_extended") == []


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [(30, " ", "Say why"), (14, "Later", "must end after"), (3, "Earlier", "must end after")],
)
def test_an_extension_needs_a_reason_and_a_later_date(
    world: World, invoice: Invoice, days: int, reason: str, message: str
) -> None:
    invoice_changed(invoice=invoice)

    with pytest.raises(ValidationError, match=message):
        grant_extension(
            invoice=invoice,
            until=today() + days * DAY,
            actor=world.federal_admin_email,
            reason=reason,
        )


def test_an_invoice_without_grace_cannot_be_extended(world: World, db: None) -> None:
    invoice = make_invoice(world.partner, {world.punjab.tenant: 1_000}, failed=False)

    with pytest.raises(ValidationError, match="no open grace period"):
        grant_extension(
            invoice=invoice,
            until=today() + 30 * DAY,
            actor=world.federal_admin_email,
            reason="Why not",
        )


# --- with a real worker: read-only within a minute of grace ending, writable within a minute
# --- of paying ---------------------------------------------------------------------------------


def test_a_worker_applies_and_lifts_the_billing_hold_within_a_minute(
    world: World, celery_worker: Worker, committed: None
) -> None:
    made = make_test_tenant(
        subdomain="dunning-live", name="Dunning Live", partner=world.partner, officers=1
    )
    tenant = made.tenant
    partner = create_partner(name="Dunning Live Vendor", contact_email="ops@dunning-live.example")
    invoice = make_invoice(partner, {tenant: 5_000})
    invoice_changed(invoice=invoice)
    end_grace(invoice)

    apply_billing_holds.delay()  # what the beat does every minute

    wait_for(
        lambda: True if state_of(tenant) == S.SUSPENDED else None,
        timeout=60,
        what="the worker to make the tenant read-only",
        log=celery_worker.log,
    )
    officer = signed_in_client(made.host, made.officer_email, PASSWORD)
    assert officer.get("/directory/").status_code == 200
    refused = officer.post(
        "/accounts/email/", {"email": "x@dunning-live.example", "action_add": ""}
    )
    assert refused.status_code == 403

    pay(invoice)  # queues the lifting by the task's name, once it commits

    wait_for(
        lambda: True if state_of(tenant) == S.ACTIVE else None,
        timeout=60,
        what="the worker to lift the billing hold after the payment",
        log=celery_worker.log,
    )
    assert open_holds(tenant) == []
    accepted = officer.post(
        "/accounts/email/", {"email": "y@dunning-live.example", "action_add": ""}
    )
    assert accepted.status_code == 302


# --- banners ---------------------------------------------------------------------------------


def test_the_tenants_administrators_see_a_grace_banner_with_their_share_and_the_date(
    world: World, db: None
) -> None:
    invoice = make_invoice(world.partner, {world.punjab.tenant: 250_000})
    grace = invoice_changed(invoice=invoice)
    assert grace is not None
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    other_admin = signed_in_client(world.sindh.host, world.sindh.admin_email)

    html = admin.get("/directory/").content.decode()

    assert "data-grace-banner" in html
    assert str(invoice.number) in html and "Rs 2,500.00" in html
    assert f"{grace.last_day:%-d %B %Y}" in html
    assert "data-grace-banner" not in officer.get("/directory/").content.decode()
    assert "data-grace-banner" not in other_admin.get("/directory/").content.decode()
    control = signed_in_client(world.control_host, world.federal_admin_email)
    assert "data-grace-banner" not in control.get("/console/").content.decode()


def test_the_banner_is_in_urdu_for_an_administrator_who_chose_it(world: World, db: None) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        User.objects.filter(email=world.punjab.admin_email).update(language="ur")
    invoice = make_invoice(world.partner, {world.punjab.tenant: 250_000})
    invoice_changed(invoice=invoice)
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)

    html = admin.get("/directory/").content.decode()

    assert "ادا نہیں ہوئی" in html and str(invoice.number) in html


def test_the_banner_is_read_from_the_cache_for_a_minute(world: World, db: None) -> None:
    invoice = make_invoice(world.partner, {world.punjab.tenant: 250_000})
    invoice_changed(invoice=invoice)
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    assert "data-grace-banner" in admin.get("/directory/").content.decode()

    pay(invoice)

    # Cached for BANNER_SECONDS; once it expires, the payment shows.
    assert "data-grace-banner" in admin.get("/directory/").content.decode()
    cache.delete(cache_key(world.punjab.tenant.pk))
    assert "data-grace-banner" not in admin.get("/directory/").content.decode()


def test_a_tenant_read_only_for_an_unpaid_invoice_says_so_on_every_page(
    world: World, db: None
) -> None:
    invoice = make_invoice(world.partner, {world.punjab.tenant: 250_000})
    invoice_changed(invoice=invoice)
    end_grace(invoice)
    apply_billing_holds()
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)

    html = officer.get("/directory/").content.decode()

    assert "read-only because an invoice for it is unpaid" in html
    assert "suspended by the federal board" not in html
    suspend_tenant(tenant=world.punjab.tenant, actor=ACTOR, reason="Audit")
    cache.clear()
    assert "suspended by the federal board" in officer.get("/directory/").content.decode()


# --- an invoice voided and re-issued while in grace ------------------------------------------


def reissue(invoice: Invoice, shares: dict[Tenant, int]) -> Invoice:
    """What the ledger does when the amount changes before payment: void, issue anew."""
    Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.State.VOID)
    invoice.refresh_from_db()
    return make_invoice(invoice.partner, shares, failed=False, replaces=invoice)


def test_a_reissued_invoice_carries_on_the_grace_and_the_hold_of_the_one_it_replaces(
    world: World, db: None
) -> None:
    tenant = world.punjab.tenant
    first = make_invoice(world.partner, {tenant: 250_000, world.sindh.tenant: 100_000})
    invoice_changed(invoice=first)
    send_due_reminders()
    end_grace(first)
    apply_billing_holds()
    assert state_of(tenant) == S.SUSPENDED
    reminded = len(mail.outbox)

    # Re-issued with a different amount, and without Sindh.
    second = reissue(first, {tenant: 260_000})
    invoice_changed(invoice=first)  # void: its grace closes, the re-issue's goes on

    grace = GracePeriod.objects.get(invoice=second)
    assert (grace.started_on, grace.ends_on) == (today() - 15 * DAY, today() - DAY)
    assert GracePeriod.objects.get(invoice=first).outcome == "void"
    assert events(second, "grace_continued")[0].detail["continues"] == first.number
    apply_billing_holds()
    # Punjab never became writable: held for the re-issue now. Sindh is no longer charged.
    assert state_of(tenant) == S.SUSPENDED
    assert suspension_reason(tenant) == f"Unpaid invoice {second.number}"
    assert state_of(world.sindh.tenant) == S.ACTIVE
    lifted = SuspensionHold.objects.get(tenant=tenant, reference=first.number)
    assert lifted.lift_reason == f"replaced by invoice {second.number}"
    # The reminders already sent are not sent again.
    assert send_due_reminders() == 0 and len(mail.outbox) == reminded
    notice = grace_notice_for_tenant(tenant)
    assert notice is not None and (notice.invoice_number, notice.amount_minor) == (
        second.number,
        260_000,
    )

    pay(second)
    apply_billing_holds()

    assert state_of(tenant) == S.ACTIVE


def test_an_invoice_reissued_before_dunning_heard_of_the_void_waits_for_the_hourly_run(
    world: World, db: None
) -> None:
    tenant = world.punjab.tenant
    first = make_invoice(world.partner, {tenant: 250_000})
    invoice_changed(invoice=first)
    end_grace(first)
    apply_billing_holds()

    second = reissue(first, {tenant: 260_000})
    apply_billing_holds()
    assert state_of(tenant) == S.SUSPENDED  # still owed: the hold stays

    # Closing the void one's grace carries it on to the re-issue.
    assert run_dunning() == {"closed": 1, "opened": 0, "reminders": 0}
    assert GracePeriod.objects.filter(invoice=second).exists()
    apply_billing_holds()

    assert suspension_reason(tenant) == f"Unpaid invoice {second.number}"
    assert GracePeriod.objects.get(invoice=first).outcome == "void"


@pytest.fixture
def unread_queue() -> Iterator[None]:
    """Tasks go to a queue no worker reads: a session's worker must not send the reminders
    this test races for."""
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = f"unread-{uuid.uuid4().hex}"
    yield
    app.conf.task_default_queue = previous


def test_two_runs_at_once_send_each_reminder_once(
    world: World, committed: None, unread_queue: None
) -> None:
    made = make_test_tenant(
        subdomain="dunning-twice", name="Dunning Twice", partner=None, officers=0
    )
    partner = create_partner(name="Dunning Twice Vendor", contact_email="ops@twice.example")
    invoice = make_invoice(partner, {made.tenant: 5_000})
    invoice_changed(invoice=invoice)
    counts: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            counts.append(send_due_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counts) == [0, 1]
    assert len(events(invoice, "grace_reminder_sent")) == 1
    pay(invoice)  # leaves nothing open for the tests that follow
