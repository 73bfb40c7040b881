"""A post's trays: sorted, filtered, counted and paginated as the inbox shows them."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from eoffice.selectors.trays import (
    TrayFilter,
    items_in_tray,
    sent_items,
    tray_counts,
    tray_rows,
)
from eoffice.services import files
from tests.conftest import World
from tests.eoffice.chart import ORIGIN, Chart, open_file, register, send

pytestmark = pytest.mark.django_db


def subjects(chart: Chart, tray: str = "inbox", **options: Any) -> list[str]:
    """The tray's subjects, after checking that the inbox's prepared rows (tray_rows) give the
    same as items_in_tray, counted, whole and in every two-item slice."""
    f = TrayFilter(**options)
    listed = [i.subject for i in items_in_tray(chart.desk("so"), tray, f)]
    rows = tray_rows(chart.desk("so"), tray, f)
    assert len(rows) == len(listed)
    assert [i.subject for i in rows] == listed
    for start in range(len(listed)):
        assert [i.subject for i in rows[start : start + 2]] == listed[start : start + 2]
    return listed


def test_sorted_and_filtered_by_priority_due_date_kind_and_words(chart: Chart) -> None:
    today = timezone.localdate()
    register(
        chart,
        subject="Late audit reply",
        priority=3,
        received_date=today - timedelta(days=5),
        letter_date=today - timedelta(days=6),
        due_date=today - timedelta(days=1),
    )
    register(chart, subject="Routine circular", priority=0)
    register(chart, subject="Pension case", priority=1, due_date=today + timedelta(days=3))
    open_file(chart, subject="Budget file", priority=2)

    assert subjects(chart) == [
        "Budget file",
        "Pension case",
        "Routine circular",
        "Late audit reply",
    ]
    assert subjects(chart, sort="oldest") == list(reversed(subjects(chart)))
    assert subjects(chart, sort="priority") == [
        "Late audit reply",
        "Budget file",
        "Pension case",
        "Routine circular",
    ]
    assert subjects(chart, sort="due")[:2] == ["Late audit reply", "Pension case"]
    assert subjects(chart, overdue=True) == ["Late audit reply"]
    assert subjects(chart, kind="file") == ["Budget file"]
    assert subjects(chart, priority=1) == ["Pension case"]
    assert subjects(chart, query="pension") == ["Pension case"]
    counts = tray_counts(chart.desk("so"))
    assert (counts["inbox"], counts["overdue"], counts["unread"]) == (4, 1, 0)


def test_sent_parked_and_closed_trays_and_unread_count(chart: Chart) -> None:
    parked = open_file(chart, subject="To wait")
    files.park(desk=chart.desk("so"), file_id=parked.pk, origin=ORIGIN)
    closed = open_file(chart, subject="Done with")
    files.close_file(desk=chart.desk("so"), file_id=closed.pk, reason="Settled", origin=ORIGIN)
    sent = open_file(chart, subject="For orders")
    send(chart, "so", sent, "DS(Admin)")

    assert subjects(chart, "parked") == ["To wait"]
    assert subjects(chart, "closed") == ["Done with"]
    assert [m.item.subject for m in sent_items(chart.desk("so"), TrayFilter())] == ["For orders"]
    ds_counts = tray_counts(chart.desk("ds"))
    assert (ds_counts["inbox"], ds_counts["unread"]) == (1, 1)
    counts = tray_counts(chart.desk("so"))
    assert (counts["parked"], counts["closed"]) == (1, 1)


def test_the_inbox_is_paginated_25_to_a_page(world: World, chart: Chart) -> None:
    for number in range(26):
        register(chart, subject=f"Letter {number:02}")
    client = Client(HTTP_HOST=world.punjab.host)
    client.force_login(chart.officers["so"])
    first = client.get(reverse("inbox")).content.decode()
    second = client.get(reverse("inbox") + "?page=2").content.decode()
    assert "Letter 25" in first and "Letter 00" not in first
    assert "Letter 00" in second and "Letter 25" not in second
    assert "Page 1 of 2 · 26 items" in first
    # With htmx, only the list is sent back, with the filters applied.
    partial = client.get(
        reverse("inbox") + "?q=Letter+07", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tray"
    ).content.decode()
    assert "<html" not in partial and "Letter 07" in partial and "Letter 08" not in partial
