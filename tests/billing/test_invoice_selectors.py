"""Reads of invoices: a partner sees only its own issued invoices; the running month's
estimate writes nothing; the federal figures add up."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from billing import invoice_states
from billing.models import Invoice
from billing.selectors.invoices import (
    estimate_running_month,
    invoice_events,
    invoice_of_partner,
    invoices_of_partner,
    outstanding_invoices,
    revenue_by_partner_and_month,
)
from billing.services.invoices import finalise_invoice, rate_month
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db


def issued(name: str, capture: Callable[..., Any], *, seats: int = 1) -> Invoice:
    vendor = data.partner(name)
    data.usage(data.tenant(f"{name} Works", billed_to=vendor), range(1, 32), seats=seats)
    with capture(execute=False):
        return finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor="t")


def test_a_partner_sees_its_own_issued_invoices_and_never_another_partners_or_a_draft(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    mine = issued("Own Vendor", django_capture_on_commit_callbacks)
    theirs = issued("Their Vendor", django_capture_on_commit_callbacks)
    draft_vendor = data.partner("Draft Only Vendor")
    data.usage(data.tenant("Draft Only Works", billed_to=draft_vendor), range(1, 3))
    draft = rate_month(partner=draft_vendor, month=MARCH)

    assert list(invoices_of_partner(mine.partner)) == [mine]
    assert invoice_of_partner(mine.partner, mine.pk) == mine
    with pytest.raises(Http404):
        invoice_of_partner(mine.partner, theirs.pk)
    with pytest.raises(Http404):
        invoice_of_partner(draft_vendor, draft.pk)
    assert list(invoices_of_partner(draft_vendor)) == []


def test_the_running_month_estimate_rates_the_days_recorded_so_far_and_writes_nothing() -> None:
    vendor = data.partner("Estimate Vendor")
    data.usage(data.tenant("Estimate Works", billed_to=vendor), range(1, 11), seats=31)

    estimate = estimate_running_month(vendor, today=MARCH.replace(day=11))

    (invoice,) = estimate.invoices
    (row,) = invoice.lines
    assert (estimate.month, row.line.days, estimate.through) == (MARCH, 10, row.line.last_day)
    assert invoice.total_minor == 31 * 120_000 * 10 // 31
    assert not Invoice.objects.filter(partner=vendor).exists()
    assert estimate_running_month(vendor, today=datetime.date(2026, 5, 2)).invoices == []


def test_revenue_and_outstanding_by_partner_and_month(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    paid = issued("Paying Vendor", django_capture_on_commit_callbacks, seats=2)
    unpaid = issued("Owing Vendor", django_capture_on_commit_callbacks, seats=3)
    invoice_states.to_paid(paid, actor="stripe")
    invoice_states.to_overdue(unpaid, actor="system")

    rows = {row.partner_name: row for row in revenue_by_partner_and_month()}

    assert rows["Paying Vendor"].paid_minor == 240_000
    assert rows["Paying Vendor"].outstanding_minor == 0
    assert rows["Owing Vendor"].outstanding_minor == rows["Owing Vendor"].overdue_minor
    assert rows["Owing Vendor"].invoiced_minor == 360_000
    assert rows["Owing Vendor"].month == MARCH
    assert unpaid in outstanding_invoices() and paid not in outstanding_invoices()
    assert [e.action for e in invoice_events(unpaid)] == [
        "invoice.drafted",
        "invoice.finalised",
        "invoice.overdue",
    ]
