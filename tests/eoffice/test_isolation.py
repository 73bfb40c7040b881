"""Two tenants, Punjab and Sindh, with the same chart at the same ids: neither sees nor changes
the other's records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from eoffice.errors import Refused
from eoffice.models import AuditEntry, Item, Movement, Post, Receipt
from eoffice.selectors import items
from eoffice.selectors.access import Desk, can_see, visible_items
from eoffice.selectors.register import RegisterFilter
from eoffice.selectors.register import register as receipt_register
from eoffice.selectors.trays import TrayFilter, items_in_tray, tray_counts
from eoffice.services import files, movement, notes, numbering, receipts
from eoffice.services.custody import NOT_FOUND
from tests.conftest import World
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    build_chart,
    by_admin,
    file_details,
    open_file,
    receipt_details,
    register,
    send,
)


@dataclass
class Tenants:
    punjab: str  # schema names
    sindh: str
    punjab_chart: Chart
    sindh_chart: Chart


def _align_sequences(schemas: list[str]) -> None:
    """Sets every id sequence of both schemas to the same next value, so the rows made next in
    each get the same ids. (Sequences are not rolled back; the gap they leave is harmless.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename, coalesce(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = ANY(%s)",
            [schemas],
        )
        sequences = cursor.fetchall()
        start = max(last for _, _, last in sequences) + 1000
        for schema, name, _ in sequences:
            cursor.execute(
                "SELECT setval(format('%%I.%%I', %s, %s), %s, false)", [schema, name, start]
            )


@pytest.fixture
def tenants(world: World, db: None) -> Iterator[Tenants]:
    punjab, sindh = world.punjab.tenant.schema_name, world.sindh.tenant.schema_name
    _align_sequences([punjab, sindh])
    with schema_context(punjab):
        punjab_chart = build_chart("punjab.example")
    with schema_context(sindh):
        sindh_chart = build_chart("sindh.example")
    yield Tenants(punjab, sindh, punjab_chart, sindh_chart)


def _nothing_seen(desk: Desk, item_id: int) -> None:
    assert items.item_for(desk, item_id) is None
    assert not can_see(desk, Item.objects.get(pk=item_id))
    assert not visible_items(desk).exists()
    assert not items_in_tray(desk, "inbox", TrayFilter()).exists()
    assert set(tray_counts(desk).values()) == {0}
    for scope in ("here", "all"):
        assert not receipt_register(desk, RegisterFilter(scope=scope)).exists()


def test_same_ids_are_different_rows(tenants: Tenants) -> None:
    assert tenants.punjab_chart.post("SO(Admin)").pk == tenants.sindh_chart.post("SO(Admin)").pk
    with schema_context(tenants.punjab):
        ours = register(tenants.punjab_chart, subject="Canal water for Bahawalpur")
    with schema_context(tenants.sindh):
        theirs = register(tenants.sindh_chart, subject="Indus delta erosion")
    # The same id and the same diary number, each tenant's own first of the year...
    assert (ours.pk, ours.reference) == (theirs.pk, theirs.reference)
    assert ours.diary_number == theirs.diary_number == 1
    # ...but two different letters.
    with schema_context(tenants.punjab):
        assert Receipt.objects.get(pk=ours.pk).subject == "Canal water for Bahawalpur"
        assert Receipt.objects.count() == 1
        assert User.objects.filter(email="so@punjab.example").exists()
        assert not User.objects.filter(email="so@sindh.example").exists()
    with schema_context(tenants.sindh):
        assert Receipt.objects.get(pk=theirs.pk).subject == "Indus delta erosion"
        assert Receipt.objects.count() == 1


def test_a_desk_from_one_tenant_sees_nothing_in_another(tenants: Tenants) -> None:
    with schema_context(tenants.punjab):
        punjab_so = tenants.punjab_chart.desk("so")
        ours = register(tenants.punjab_chart)
        assert items.item_for(punjab_so, ours.pk) is not None
    with schema_context(tenants.sindh):
        theirs = register(tenants.sindh_chart)
        # Same post ids, same item id, same officer id: still nothing of Sindh's.
        assert theirs.pk == ours.pk
        assert theirs.created_post_id in {h.post.pk for h in punjab_so.holdings}
        _nothing_seen(punjab_so, theirs.pk)
    # Back home the desk works as before.
    with schema_context(tenants.punjab):
        assert items.item_for(punjab_so, ours.pk) is not None


def test_a_desk_from_one_tenant_changes_nothing_in_another(tenants: Tenants) -> None:
    with schema_context(tenants.punjab):
        punjab_so = tenants.punjab_chart.desk("so")
    with schema_context(tenants.sindh):
        chart = tenants.sindh_chart
        receipt = register(chart)
        file = open_file(chart)
        to = chart.post("DS(Admin)").pk
        attempts = [
            lambda: movement.forward(
                desk=punjab_so, item_id=receipt.pk, to_post_id=to, origin=ORIGIN
            ),
            lambda: receipts.close_receipt(
                desk=punjab_so, receipt_id=receipt.pk, reason="x", origin=ORIGIN
            ),
            lambda: receipts.put_in_file(
                desk=punjab_so, receipt_id=receipt.pk, file_id=file.pk, origin=ORIGIN
            ),
            lambda: notes.save_draft(desk=punjab_so, file_id=file.pk, body="x", origin=ORIGIN),
            lambda: files.park(desk=punjab_so, file_id=file.pk, origin=ORIGIN),
            lambda: files.close_file(desk=punjab_so, file_id=file.pk, reason="x", origin=ORIGIN),
        ]
        for attempt in attempts:
            with pytest.raises(Refused, match=str(NOT_FOUND)):
                attempt()
        with pytest.raises(Refused, match="hold no post"):
            receipts.register_receipt(desk=punjab_so, details=receipt_details(chart), origin=ORIGIN)
        with pytest.raises(Refused, match="hold no post"):
            files.open_file(desk=punjab_so, details=file_details(chart), origin=ORIGIN)
        assert Item.objects.count() == 2
        assert set(Item.objects.values_list("tray", "holder_post_id")) == {
            (Item.Tray.INBOX, chart.post("SO(Admin)").pk)
        }
        assert not Movement.objects.exists()
        assert AuditEntry.objects.filter(officer=chart.officers["so"]).count() == 2


def test_work_in_one_tenant_leaves_no_trace_in_the_other(tenants: Tenants) -> None:
    with schema_context(tenants.punjab):
        chart = tenants.punjab_chart
        receipt = register(chart)
        send(chart, "so", receipt, "DS(Admin)")
        numbering.set_pattern(pattern="PB-{serial}", **by_admin())
        assert open_file(chart).reference == "PB-1"
    with schema_context(tenants.sindh):
        assert not Item.objects.exists()
        assert not Movement.objects.exists()
        assert not AuditEntry.objects.exists()
        assert numbering.current_pattern() == "{office}/{serial}/{year}"
        assert open_file(tenants.sindh_chart).reference.startswith("ADMIN/1/")
        # Sindh's posts are its own rows, named the same.
        assert Post.objects.get(pk=chart.post("SO(Admin)").pk).abbreviation == "SO(Admin)"
