"""The month-end and due-terms tasks: the previous month by default, the run's report back."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from billing.models import Invoice, Plan, Subscription
from billing.services.terms import change_plan
from billing.tasks.invoices import apply_due_terms, month_end, previous_month
from config.celery import app
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db


def test_previous_month_and_the_beat_entries() -> None:
    assert previous_month(datetime.date(2026, 3, 1)) == datetime.date(2026, 2, 1)
    assert previous_month(datetime.date(2027, 1, 31)) == datetime.date(2026, 12, 1)
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "billing.tasks.invoices.month_end",
        "billing.tasks.invoices.apply_due_terms",
        "billing.tasks.invoices.mark_overdue_invoices",
    } <= tasks
    assert month_end.name in app.tasks and apply_due_terms.name in app.tasks


def test_month_end_task_invoices_the_month_and_reports(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Task Vendor")
    data.usage(data.tenant("Task Works", billed_to=vendor), range(1, 32))

    with django_capture_on_commit_callbacks(execute=False):
        report = month_end(MARCH.isoformat())

    invoice = Invoice.objects.get(partner=vendor)
    assert invoice.number in report["issued"] and report["month"] == "2026-03-01"


def test_apply_due_terms_task_leaves_a_change_dated_tomorrow_for_tomorrow() -> None:
    works = data.tenant("Due Works", billed_to=data.partner("Due Vendor"))
    federal = Plan.objects.get(code="federal")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    term = change_plan(
        tenant=works, plan=federal, effective_from=tomorrow, actor="t", reason="Soon"
    )

    assert term.pk not in apply_due_terms()
    assert not Subscription.objects.filter(tenant=works).exists()
