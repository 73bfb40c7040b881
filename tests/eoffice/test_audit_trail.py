"""The audit trail: every action on a receipt or file is one entry (who, post, what, when, from
where), and the database refuses to change or delete entries, movements, correspondence entries
and sent notes."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from eoffice.errors import Invalid
from eoffice.models import AuditEntry, CorrespondenceEntry, Grading, Item, Movement, Note
from eoffice.selectors import items
from eoffice.services import files, movement, notes, receipts
from eoffice.services.audit import Origin
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    open_as,
    open_file,
    pdf_bytes,
    register,
    send,
)


def _trail(item: Item) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.officer.email.split("@")[0], e.post.abbreviation if e.post else "")
        for e in items.history(item)
    ]


def test_every_action_on_a_receipt_and_its_file_is_recorded(chart: Chart) -> None:
    so, ds = chart.desk("so"), chart.desk("ds")
    started = timezone.now()
    receipt = register(chart, grading=Grading.CONFIDENTIAL)
    send(chart, "so", receipt, "DS(Admin)", remarks="See")
    open_as(chart, "ds", receipt)
    movement.send_back(desk=ds, item_id=receipt.pk, origin=ORIGIN)
    file = receipts.put_in_file(
        desk=so,
        receipt_id=receipt.pk,
        new_file=files.FileDetails(subject="Budget", category_id=chart.category.pk),
        origin=ORIGIN,
    )
    files.attach_document(
        desk=so, file_id=file.pk, stream=BytesIO(pdf_bytes()), name="a.pdf", title="", origin=ORIGIN
    )
    notes.save_draft(desk=so, file_id=file.pk, body="Draft.", origin=ORIGIN)
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    note = Note.objects.get(file=file)
    notes.edit_draft(desk=ds, note_id=note.pk, body="Edited.", origin=ORIGIN)
    files.park(desk=ds, file_id=file.pk, origin=ORIGIN)
    files.unpark(desk=ds, file_id=file.pk, origin=ORIGIN)
    files.close_file(desk=ds, file_id=file.pk, reason="Done", origin=ORIGIN)
    files.reopen_file(desk=so, file_id=file.pk, reason="Again", origin=ORIGIN)
    send(chart, "so", file, "SECY")
    movement.pull_back(desk=so, item_id=file.pk, origin=ORIGIN)

    assert _trail(receipt) == [
        ("create", "so", "SO(Admin)"),
        ("move", "so", "SO(Admin)"),
        ("view", "ds", "DS(Admin)"),
        ("move", "ds", "DS(Admin)"),
        ("put_in_file", "so", "SO(Admin)"),
    ]
    assert _trail(file) == [
        ("create", "so", "SO(Admin)"),
        ("attach", "so", "SO(Admin)"),  # the receipt
        ("attach", "so", "SO(Admin)"),  # the document
        ("move", "so", "SO(Admin)"),
        ("draft_edited", "ds", "DS(Admin)"),
        ("park", "ds", "DS(Admin)"),
        ("unpark", "ds", "DS(Admin)"),
        ("note", "ds", "DS(Admin)"),  # SO's draft, signed as the file closes
        ("close", "ds", "DS(Admin)"),
        ("reopen", "so", "SO(Admin)"),
        ("move", "so", "SO(Admin)"),
        ("pull_back", "so", "SO(Admin)"),
    ]
    entries = AuditEntry.objects.filter(item__in=[receipt, file])
    assert {(e.ip_address, e.user_agent) for e in entries} == {("203.0.113.7", "pytest")}
    assert all(started <= e.at <= timezone.now() for e in entries)


def test_details_say_what_was_done(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)", remarks="For orders")
    receipts.close_receipt(
        desk=chart.desk("ds"), receipt_id=receipt.pk, reason="No action needed", origin=ORIGIN
    )
    details = [e.detail for e in items.history(receipt)]
    assert details == [
        f"Diary {receipt.reference} (Physical)",
        "Forwarded SO(Admin) → DS(Admin): For orders",
        "No action needed",
    ]


@pytest.mark.parametrize(
    ("grading", "audited"),
    [
        (Grading.NORMAL, False),
        (Grading.CONFIDENTIAL, True),
        (Grading.SECRET, True),
        (Grading.TOP_SECRET, True),
    ],
)
def test_viewing_graded_items_is_recorded_every_time(
    chart: Chart, grading: str, audited: bool
) -> None:
    receipt = register(chart, grading=grading)
    open_as(chart, "so", receipt)
    open_as(chart, "so", receipt)
    views = AuditEntry.objects.filter(item=receipt, action=AuditEntry.Action.VIEW)
    assert views.count() == (2 if audited else 0)
    if audited:
        assert {(v.officer, v.post) for v in views} == {
            (chart.officers["so"], chart.post("SO(Admin)"))
        }


def test_a_failed_action_leaves_no_entry(chart: Chart) -> None:
    file = open_file(chart)
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid):
        files.close_file(desk=chart.desk("so"), file_id=file.pk, reason="", origin=ORIGIN)
    with pytest.raises(Invalid):
        files.attach_document(
            desk=chart.desk("so"),
            file_id=file.pk,
            stream=BytesIO(b"not a pdf"),
            name="x.pdf",
            title="",
            origin=ORIGIN,
        )
    assert AuditEntry.objects.count() == before


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
def test_origin_is_the_client_behind_the_load_balancer() -> None:
    factory = RequestFactory()
    forwarded = factory.get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.44",
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 400,
    )
    origin = Origin.of(forwarded)
    # The balancer appends the address it saw last; what comes before is the client's claim.
    assert origin.ip_address == "192.0.2.44"
    assert origin.user_agent.startswith("Mozilla/5.0") and len(origin.user_agent) == 300
    direct = Origin.of(factory.get("/", REMOTE_ADDR="192.0.2.10"))
    assert (direct.ip_address, direct.user_agent) == ("192.0.2.10", "")


# The database refuses what the services never do. Each attempt runs in a savepoint, so the
# test's transaction survives the error.


def _refused(attempt: object, match: str = "append-only") -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        attempt()  # type: ignore[operator]


def _raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_audit_entries_are_never_changed_or_deleted(chart: Chart) -> None:
    receipt = register(chart)
    entry = AuditEntry.objects.get(item=receipt)
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(detail="nothing happened"))
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(officer=chart.officers["ds"]))
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    _refused(lambda: _raw("DELETE FROM eoffice_auditentry"))
    _refused(lambda: _raw("UPDATE eoffice_auditentry SET ip_address = NULL"))
    entry.refresh_from_db()
    assert (entry.detail, entry.officer) == (
        f"Diary {receipt.reference} (Physical)",
        chart.officers["so"],
    )


def test_movements_are_never_changed_except_their_read_time_once(chart: Chart) -> None:
    receipt = register(chart)
    sent = send(chart, "so", receipt, "DS(Admin)", remarks="See")
    moves = Movement.objects.filter(pk=sent.pk)
    for change in (
        {"remarks": "Altered"},
        {"to_post": chart.post("SECY")},
        {"sent_at": timezone.now()},
        {"due_date": timezone.localdate()},
        {"by": chart.officers["ds"]},
    ):
        _refused(lambda change=change: moves.update(**change))
    # The ORM would stop at the item's reference to its last movement; the trigger stops any
    # delete, also of an earlier movement nothing points to.
    _refused(lambda: _raw("DELETE FROM eoffice_movement WHERE id = %s", sent.pk))
    send(chart, "ds", receipt, "SECY")
    _refused(lambda: moves.delete())
    # The read time is filled in once...
    assert moves.update(read_at=timezone.now(), read_by=chart.officers["ds"]) == 1
    # ...and then never again, nor emptied.
    _refused(lambda: moves.update(read_at=timezone.now()))
    _refused(lambda: moves.update(read_at=None, read_by=None))
    _refused(lambda: moves.update(remarks="Altered after reading"))
    sent.refresh_from_db()
    assert (sent.remarks, sent.to_post, sent.read_by) == (
        "See",
        chart.post("DS(Admin)"),
        chart.officers["ds"],
    )


def test_correspondence_entries_are_never_changed_or_deleted(chart: Chart) -> None:
    file = open_file(chart)
    entry = files.attach_document(
        desk=chart.desk("so"),
        file_id=file.pk,
        stream=BytesIO(pdf_bytes(2)),
        name="a.pdf",
        title="Estimate",
        origin=ORIGIN,
    )
    entries = CorrespondenceEntry.objects.filter(pk=entry.pk)
    _refused(lambda: entries.update(first_page=5, last_page=6))
    _refused(lambda: entries.update(title="Something else"))
    _refused(lambda: entries.delete())
    entry.refresh_from_db()
    assert (entry.title, entry.first_page, entry.last_page) == ("Estimate", 1, 2)


def test_sent_notes_are_final_and_drafts_are_never_deleted(chart: Chart) -> None:
    file = open_file(chart)
    notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="Signed.", origin=ORIGIN)
    send(chart, "so", file, "DS(Admin)")
    sent = Note.objects.get(file=file)
    sent_notes = Note.objects.filter(pk=sent.pk)
    _refused(lambda: sent_notes.update(body="Rewritten."), match="never changes")
    _refused(lambda: sent_notes.update(signed_name="Someone else"), match="never changes")
    _refused(lambda: sent_notes.delete(), match="never changes")
    draft = notes.save_draft(desk=chart.desk("ds"), file_id=file.pk, body="Draft.", origin=ORIGIN)
    # A draft may change (that is what it is for), but a discarded one is kept as it was...
    assert Note.objects.filter(pk=draft.pk).update(body="Draft, revised.") == 1
    _refused(lambda: Note.objects.filter(pk=draft.pk).delete(), match="never changes")
    notes.discard_draft(desk=chart.desk("ds"), note_id=draft.pk, origin=ORIGIN)
    _refused(lambda: Note.objects.filter(pk=draft.pk).update(status="draft"), match="never changes")
    assert Note.objects.get(pk=sent.pk).body == "Signed."
