"""Invoices: drafts rated from the database, finalising with gap-free numbers, voiding and
re-issuing, the month-end run, and lines that never change."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import invoice_states
from billing.models import (
    BillingEvent,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Plan,
    UsageRecord,
)
from billing.rating_inputs import month_inputs
from billing.selectors.rated import rate_inputs
from billing.services.invoices import (
    MonthEndReport,
    _partner_month_end,
    finalise_invoice,
    mark_overdue_invoices,
    rate_month,
    run_month_end,
    void_invoice,
)
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., Any]


def test_rate_month_drafts_a_line_per_tenant_traced_to_its_usage_records() -> None:
    vendor = data.partner("Draft Vendor")
    lahore = data.tenant("Lahore Works", billed_to=vendor)
    multan = data.tenant("Multan Works", billed_to=vendor, since=MARCH.replace(day=16))
    lahore_days = data.usage(lahore, range(1, 32), seats=10, storage_gb=80)
    data.usage(multan, range(16, 32), seats=7)
    other = data.partner("Someone Else")
    data.usage(data.tenant("Not Ours", billed_to=other), range(1, 32))

    invoice = rate_month(partner=vendor, month=MARCH)

    assert (invoice.state, invoice.number, invoice.currency) == (Invoice.State.DRAFT, None, "pkr")
    assert (invoice.period_start, invoice.period_end) == (MARCH, datetime.date(2026, 3, 31))
    first, second = invoice.lines.order_by("position")
    assert (first.tenant, second.tenant) == (lahore, multan)
    assert first.amount_minor == 10 * 120_000 + 30 * 6_000
    assert first.trace["usage_record_ids"] == [r.pk for r in lahore_days]
    assert first.description == "Lahore Works: Standard, 1-31 Mar 2026"
    assert second.seat_amount_minor == 433_548  # 7 x Rs 1,200 x 16/31
    assert invoice.subtotal_minor == invoice.total_minor == first.amount_minor + 433_548
    assert BillingEvent.objects.filter(invoice=invoice, action="invoice.drafted").exists()
    # Rated again with nothing changed: the same draft.
    assert rate_month(partner=vendor, month=MARCH) == invoice


def test_a_draft_rated_again_after_a_change_is_voided_and_replaced_never_edited() -> None:
    vendor = data.partner("Redraft Vendor")
    quetta = data.tenant("Quetta Works", billed_to=vendor)
    data.usage(quetta, range(1, 20))
    draft = rate_month(partner=vendor, month=MARCH)

    data.usage(quetta, range(20, 32))  # the missing days collected late
    again = rate_month(partner=vendor, month=MARCH)

    draft.refresh_from_db()
    assert draft.state == Invoice.State.VOID and draft.lines.get().days == 19
    assert again.replaces == draft and again.lines.get().days == 31


def test_nothing_to_bill_is_refused() -> None:
    vendor = data.partner("Idle Vendor")
    data.tenant("Idle Works", billed_to=vendor)

    with pytest.raises(ValidationError, match="Nothing to bill"):
        rate_month(partner=vendor, month=MARCH)


def test_finalising_numbers_the_invoice_sets_its_due_date_audits_and_queues_collection(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Final Vendor")
    data.usage(data.tenant("Final Works", billed_to=vendor), range(1, 32))
    draft = rate_month(partner=vendor, month=MARCH)
    year = timezone.localdate().year
    before = InvoiceCounter.objects.filter(year=year).values_list("last_number", flat=True)
    last = before[0] if before else 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = finalise_invoice(invoice=draft, actor="federal@board.example")

    assert invoice.state == Invoice.State.FINALISED
    assert invoice.number == f"INV-{year}-{last + 1:06d}"
    assert invoice.due_on == timezone.localdate() + datetime.timedelta(days=14)
    assert invoice.finalised_at is not None
    event = BillingEvent.objects.get(invoice=invoice, action="invoice.finalised")
    assert (event.actor, event.partner_id, event.detail["number"]) == (
        "federal@board.example",
        vendor.pk,
        invoice.number,
    )
    assert len(callbacks) == 1  # queue_collection(invoice.pk), run once the transaction commits

    with pytest.raises(invoice_states.InvoiceTransitionNotAllowed):
        finalise_invoice(invoice=invoice, actor="again")
    assert InvoiceCounter.objects.get(year=year).last_number == last + 1  # no number used


@override_settings(BILLING_TAX_PERCENT="17")
def test_tax_is_its_own_field_on_the_subtotal() -> None:
    vendor = data.partner("Taxed Vendor")
    data.usage(data.tenant("Taxed Works", billed_to=vendor), range(1, 32), seats=1)

    invoice = rate_month(partner=vendor, month=MARCH)

    assert invoice.subtotal_minor == 120_000
    assert (invoice.tax_percent, invoice.tax_minor, invoice.total_minor) == (
        Decimal(17),
        20_400,
        140_400,
    )


def test_invoice_lines_never_change_and_invoices_are_never_deleted() -> None:
    vendor = data.partner("Fixed Vendor")
    data.usage(data.tenant("Fixed Works", billed_to=vendor), range(1, 32))
    invoice = rate_month(partner=vendor, month=MARCH)
    line = invoice.lines.get()

    for statement, args in [
        ("UPDATE billing_invoiceline SET amount_minor = 1 WHERE id = %s", [line.pk]),
        ("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk]),
        ("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk]),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, args)
    # Only the Stripe item id is filled in, once.
    InvoiceLine.objects.filter(pk=line.pk).update(stripe_item_id="ii_1")
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(stripe_item_id="ii_2")


def test_an_issued_invoice_never_changes_what_it_bills_nor_leaves_a_final_state(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Issued Vendor")
    data.usage(data.tenant("Issued Works", billed_to=vendor), range(1, 32))
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor="t")

    for statement in [
        "UPDATE billing_invoice SET total_minor = total_minor + 1 WHERE id = %s",
        "UPDATE billing_invoice SET number = 'INV-1999-000001' WHERE id = %s",
        "UPDATE billing_invoice SET due_on = due_on + 30 WHERE id = %s",
        "UPDATE billing_invoice SET state = 'draft' WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [invoice.pk])
    # Its payment and Stripe fields, and the moves the state machine allows, still change.
    Invoice.objects.filter(pk=invoice.pk).update(stripe_status="open", state="overdue")
    Invoice.objects.filter(pk=invoice.pk).update(state="paid", paid_at=timezone.now())
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(state="void")  # paid is final
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID


def test_void_needs_a_reason_keeps_the_invoice_and_paid_ones_cannot_be_voided(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Void Vendor")
    data.usage(data.tenant("Void Works", billed_to=vendor), range(1, 32))
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor="t")

    with pytest.raises(ValidationError, match="Say why"):
        void_invoice(invoice=invoice, actor="federal@board.example", reason="  ")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        void_invoice(invoice=invoice, actor="federal@board.example", reason="Wrong partner")

    invoice.refresh_from_db()
    assert (invoice.state, invoice.void_reason) == (Invoice.State.VOID, "Wrong partner")
    assert invoice.lines.count() == 1 and invoice.number
    assert len(callbacks) == 1  # the Stripe side of the void, queued after commit
    event = BillingEvent.objects.get(invoice=invoice, action="invoice.voided")
    assert event.detail["reason"] == "Wrong partner"

    data.usage(data.tenant("Paid Works", billed_to=(payer := data.partner("Paid V"))), range(1, 3))
    with django_capture_on_commit_callbacks(execute=False):
        paid = finalise_invoice(invoice=rate_month(partner=payer, month=MARCH), actor="t")
    invoice_states.to_paid(paid, actor="stripe")
    with pytest.raises(invoice_states.InvoiceTransitionNotAllowed):
        void_invoice(invoice=paid, actor="federal@board.example", reason="No")


def test_month_end_issues_reissues_on_a_changed_total_and_never_charges_twice(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Month End Vendor")
    works = data.tenant("Month End Works", billed_to=vendor)
    data.usage(works, range(1, 31))  # the 31st not collected yet

    with django_capture_on_commit_callbacks(execute=False) as first_run:
        report = run_month_end(month=MARCH)
    (invoice,) = Invoice.objects.filter(partner=vendor)
    assert invoice.number in report.issued and invoice.state == Invoice.State.FINALISED
    collections = len(first_run)

    # Re-run (e.g. after a crash): the same total, nothing new, nothing queued again.
    with django_capture_on_commit_callbacks(execute=False) as second_run:
        again = run_month_end(month=MARCH)
    assert again.unchanged == [invoice.number] and not again.issued and len(second_run) == 0
    assert Invoice.objects.filter(partner=vendor).count() == 1

    # The 31st is back-filled before payment: voided and re-issued, never edited.
    data.usage(works, range(31, 32))
    with django_capture_on_commit_callbacks(execute=False) as third_run:
        third = run_month_end(month=MARCH)
    invoice.refresh_from_db()
    new = Invoice.objects.get(partner=vendor, state=Invoice.State.FINALISED)
    assert third.reissued == [(invoice.number, new.number)]
    assert invoice.state == Invoice.State.VOID and new.replaces == invoice
    assert new.total_minor == 10 * 120_000 and new.number != invoice.number
    assert len(third_run) == 2  # the old one voided in Stripe, the new one collected
    assert collections >= 1

    # Paid, then a recomputation changes the figures: no change, an event, once.
    invoice_states.to_paid(new, actor="stripe")
    UsageRecord.objects.create(
        tenant=works,
        day=MARCH.replace(day=31),
        revision=1,
        officers=20,
        officers_active=12,
        officers_active_month=12,
        storage_bytes=0,
        recomputed_by="federal@board.example",
    )
    with django_capture_on_commit_callbacks(execute=False):
        fourth = run_month_end(month=MARCH)
        run_month_end(month=MARCH)
    new.refresh_from_db()
    assert fourth.difference_after_payment == [new.number] and new.state == Invoice.State.PAID
    (difference,) = BillingEvent.objects.filter(
        invoice=new, action="invoice.difference_after_payment"
    )
    assert difference.detail["difference_minor"] == 2 * 120_000


def test_month_end_bills_each_partner_its_days_of_a_tenant_that_changed_partner(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    old, new = data.partner("Old Vendor"), data.partner("New Vendor")
    moved = data.tenant("Moved Works", billed_to=old)
    data.term(moved, billed_to=new, since=MARCH.replace(day=21))
    data.usage(moved, range(1, 32), seats=31)

    with django_capture_on_commit_callbacks(execute=False):
        run_month_end(month=MARCH)

    old_line = InvoiceLine.objects.get(invoice__partner=old, invoice__period_start=MARCH)
    new_line = InvoiceLine.objects.get(invoice__partner=new, invoice__period_start=MARCH)
    assert (old_line.days, new_line.days) == (20, 11)
    assert old_line.amount_minor + new_line.amount_minor == 31 * 120_000


def test_month_inputs_are_read_in_the_same_four_queries_for_few_or_many_tenants() -> None:
    def reads() -> int:
        with CaptureQueriesContext(connection) as context:
            month_inputs(MARCH)
        # django-tenants sets the search path before each query; those are not reads.
        return sum(1 for q in context.captured_queries if not q["sql"].startswith("SET "))

    vendor = data.partner("Bulk Vendor")
    data.usage(data.tenant("Bulk first", billed_to=vendor), range(1, 32))
    few = reads()
    for number in range(30):
        data.usage(data.tenant(f"Bulk {number}", billed_to=vendor), range(1, 32))

    assert few == reads() == 4
    assert sum(len(days) for days in month_inputs(MARCH).usage_by_tenant.values()) >= 31 * 31


def test_the_highest_revision_of_a_day_is_rated() -> None:
    vendor = data.partner("Revised Vendor")
    works = data.tenant("Revised Works", billed_to=vendor)
    data.usage(works, range(1, 32), seats=10)
    data.usage(works, range(31, 32), seats=12, revision=1)

    line = rate_month(partner=vendor, month=MARCH).lines.get()

    assert line.seats == 12 and line.days == 31


def test_a_month_end_that_stopped_half_way_is_finished_by_running_it_again(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    done, pending = data.partner("Done Vendor"), data.partner("Pending Vendor")
    data.usage(data.tenant("Done Works", billed_to=done), range(1, 32))
    data.usage(data.tenant("Pending Works", billed_to=pending), range(1, 32))
    # The run that stopped: the first partner's transaction committed, the next never ran.
    rated = rate_inputs(month_inputs(MARCH))
    with django_capture_on_commit_callbacks(execute=False) as stopped:
        _partner_month_end(
            (done.pk, "pkr"),
            rated[(done.pk, "pkr")],
            period_start=MARCH,
            actor="system",
            plan_names=dict(Plan.objects.values_list("pk", "name")),
            report=MonthEndReport(month="2026-03-01"),
        )
    (first,) = Invoice.objects.filter(partner=done)

    with django_capture_on_commit_callbacks(execute=False) as resumed:
        report = run_month_end(month=MARCH)

    assert first.number in report.unchanged
    assert Invoice.objects.filter(partner=done).count() == 1
    (second,) = Invoice.objects.filter(partner=pending, state=Invoice.State.FINALISED)
    assert second.number in report.issued
    assert (len(stopped), len(resumed)) == (1, 1)  # one collection each, none twice


def test_month_end_runs_the_same_queries_per_partner_however_many_tenants_it_has(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def queries_of_month_end(month: datetime.date, tenants_each: int, tag: str) -> int:
        for number in range(3):
            vendor = data.partner(f"Scale {tag} {number}")
            for index in range(tenants_each):
                works = data.tenant(f"Scale {tag} {number}-{index}", billed_to=vendor, since=month)
                data.usage(works, range(1, 29), month=month)
        with (
            django_capture_on_commit_callbacks(execute=False),
            CaptureQueriesContext(connection) as context,
        ):
            report = run_month_end(month=month)
        assert len(report.issued) >= 3
        return sum(1 for q in context.captured_queries if not q["sql"].startswith("SET "))

    # Months no other test bills: data other tests commit (browser and end-to-end tests) would
    # add partners to one of the two runs.
    few = queries_of_month_end(datetime.date(2031, 5, 1), 1, "few")
    many = queries_of_month_end(datetime.date(2031, 6, 1), 12, "many")

    assert many == few


def test_an_invoice_unpaid_after_its_due_date_becomes_overdue_once(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Late Vendor")
    data.usage(data.tenant("Late Works", billed_to=vendor), range(1, 32))
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor="t")
    assert invoice.due_on is not None

    assert invoice not in mark_overdue_invoices(today=invoice.due_on)  # due today: not yet
    assert invoice in mark_overdue_invoices(today=invoice.due_on + datetime.timedelta(days=1))
    assert invoice not in mark_overdue_invoices(today=invoice.due_on + datetime.timedelta(days=2))

    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OVERDUE
    assert BillingEvent.objects.filter(invoice=invoice, action="invoice.overdue").count() == 1


def test_a_plan_without_a_price_leaves_out_only_its_partners_and_says_so(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    Plan.objects.create(code="unpriced", name="Unpriced", officer_limit=10)
    careless = data.partner("Careless Vendor")
    data.usage(data.tenant("Priced Works", billed_to=careless), range(1, 32))
    data.usage(data.tenant("Unpriced Works", billed_to=careless, plan="unpriced"), range(1, 32))
    careful = data.partner("Careful Vendor")
    data.usage(data.tenant("Careful Works", billed_to=careful), range(1, 32))

    with django_capture_on_commit_callbacks(execute=False):
        report = run_month_end(month=MARCH)

    assert set(report.refused) == {careless.pk}
    assert "No price is in force" in report.refused[careless.pk]
    # Never billed for part of its tenants; every other partner billed as usual.
    assert not Invoice.objects.filter(partner=careless, period_start=MARCH).exists()
    assert Invoice.objects.get(partner=careful, period_start=MARCH).state == "finalised"
    assert BillingEvent.objects.filter(partner=careless, action="invoice.rating_refused").exists()
