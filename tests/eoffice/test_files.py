"""Files: opening, the correspondence portion's running pages, attachments, park, close, reopen."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone

from eoffice.errors import Invalid, Refused
from eoffice.models import (
    AuditEntry,
    Category,
    CorrespondenceEntry,
    File,
    Grading,
    Item,
    Note,
    PostAccess,
    Priority,
)
from eoffice.services import files, notes, receipts
from eoffice.services.documents import MAX_BYTES
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    docx_bytes,
    file_details,
    fresh,
    give_post,
    open_file,
    pdf_bytes,
    png_bytes,
    receipt_details,
    register,
    send,
)


def _attach(chart: Chart, file: File, data: bytes, name: str, who: str = "so") -> object:
    return files.attach_document(
        desk=chart.desk(who),
        file_id=file.pk,
        stream=BytesIO(data),
        name=name,
        title="",
        origin=ORIGIN,
    )


def _close(chart: Chart, who: str, file: File, reason: str = "Matter settled") -> File:
    return files.close_file(desk=chart.desk(who), file_id=file.pk, reason=reason, origin=ORIGIN)


def _reopen(chart: Chart, who: str, file: File, reason: str = "Fresh reference") -> File:
    return files.reopen_file(desk=chart.desk(who), file_id=file.pk, reason=reason, origin=ORIGIN)


def test_file_is_opened_with_the_next_number_of_its_office(chart: Chart) -> None:
    year = timezone.localdate().year
    first = open_file(chart, grading=Grading.CONFIDENTIAL, priority=Priority.PRIORITY)
    second = open_file(chart, "ao")  # AO(Admin) is in the same office
    budget = open_file(chart, "sob")
    assert [first.reference, second.reference, budget.reference] == [
        f"ADMIN/1/{year}",
        f"ADMIN/2/{year}",
        f"BUDGET/1/{year}",
    ]
    assert (first.serial, first.year, first.office.code) == (1, year, "ADMIN")
    assert (first.grading, first.priority) == (Grading.CONFIDENTIAL, Priority.PRIORITY)
    assert first.holder_post == first.created_post == chart.post("SO(Admin)")
    assert (first.tray, first.pages_used, first.notes_count) == (Item.Tray.INBOX, 0, 0)
    assert PostAccess.objects.filter(item=first, post=chart.post("SO(Admin)")).exists()
    created = AuditEntry.objects.get(item=first)
    assert (created.action, created.detail) == ("create", f"File ADMIN/1/{year} opened")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": "  "}, "Give the file a subject"),
        ({"subject": "s" * 501}, "at most 500 characters"),
        ({"grading": "classified"}, "grading and a priority"),
        ({"priority": -1}, "grading and a priority"),
        ({"category_id": 987_654}, "category from the list"),
    ],
)
def test_bad_file_details_are_refused(
    chart: Chart, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        open_file(chart, **overrides)
    assert not File.objects.exists()
    # The refused opening gave its serial back.
    assert open_file(chart).serial == 1


def test_inactive_category_and_foreign_post_are_refused(chart: Chart) -> None:
    Category.objects.filter(pk=chart.category.pk).update(is_active=False)
    with pytest.raises(Invalid, match="category"):
        open_file(chart)
    Category.objects.filter(pk=chart.category.pk).update(is_active=True)
    with pytest.raises(Refused, match="do not hold that post"):
        open_file(chart, post_id=chart.post("DS(Admin)").pk)
    assert not File.objects.exists()


def test_correspondence_pages_run_on_without_gaps(chart: Chart) -> None:
    file = open_file(chart)
    so = chart.desk("so")
    scan = register(chart, pages=3)
    receipts.put_in_file(desk=so, receipt_id=scan.pk, file_id=file.pk, origin=ORIGIN)
    _attach(chart, file, pdf_bytes(4), "estimate.pdf")
    _attach(chart, file, png_bytes(), "site photo.png")
    _attach(chart, file, docx_bytes(), "draft reply.docx")
    letter = register(chart, pages=2)
    receipts.put_in_file(desk=so, receipt_id=letter.pk, file_id=file.pk, origin=ORIGIN)
    entries = list(CorrespondenceEntry.objects.filter(file=file).order_by("first_page"))
    assert [(e.title, e.first_page, e.last_page) for e in entries] == [
        (f"Receipt {scan.reference}: {scan.subject}", 1, 3),
        ("estimate.pdf", 4, 7),
        ("site photo.png", 8, 8),
        ("draft reply.docx", 9, 9),
        (f"Receipt {letter.reference}: {letter.subject}", 10, 11),
    ]
    assert File.objects.get(pk=file.pk).pages_used == 11
    assert all(e.added_post == chart.post("SO(Admin)") for e in entries)


def test_attachment_keeps_its_title_and_is_audited(chart: Chart) -> None:
    file = open_file(chart)
    entry = files.attach_document(
        desk=chart.desk("so"),
        file_id=file.pk,
        stream=BytesIO(pdf_bytes(2)),
        name="C:\\Users\\so\\scan 01.pdf",
        title="Estimate of the XEN",
        origin=ORIGIN,
    )
    assert (entry.title, entry.first_page, entry.last_page) == ("Estimate of the XEN", 1, 2)
    # The browser's path is not kept, only a safe base name.
    assert entry.document.original_name == "scan 01.pdf"
    attach = AuditEntry.objects.filter(item=file, action="attach").get()
    assert attach.detail == "Estimate of the XEN at pages 1-2"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"plain text", "notes.txt", "not a file we accept"),
        (b"GIF89a" + b"\x00" * 20, "anim.gif", "not a file we accept"),
        (b"%PDF-1.4\n1 0 obj garbage", "broken.pdf", "damaged"),
        (b"", "nothing.pdf", "empty"),
        (None, "huge.jpg", "larger than 25 MB"),  # made in the test, not at collection
    ],
    ids=["text", "gif", "damaged-pdf", "empty", "oversize"],
)
def test_bad_attachments_are_refused_and_leave_no_pages(
    chart: Chart, data: bytes | None, name: str, message: str
) -> None:
    if data is None:
        data = b"\xff\xd8\xff" + b"\x00" * MAX_BYTES
    file = open_file(chart)
    with pytest.raises(Invalid, match=message):
        _attach(chart, file, data, name)
    assert not CorrespondenceEntry.objects.exists()
    assert File.objects.get(pk=file.pk).pages_used == 0


def test_attach_only_to_an_open_file_one_holds(chart: Chart) -> None:
    file = open_file(chart)
    with pytest.raises(Refused, match="no such receipt or file"):
        _attach(chart, file, pdf_bytes(), "x.pdf", who="sob")
    send(chart, "so", file, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        _attach(chart, file, pdf_bytes(), "x.pdf")
    _close(chart, "ds", file)
    with pytest.raises(Refused, match="is closed"):
        _attach(chart, file, pdf_bytes(), "x.pdf", who="ds")
    assert not CorrespondenceEntry.objects.exists()


def test_park_and_unpark(chart: Chart) -> None:
    file = open_file(chart)
    so = chart.desk("so")
    assert files.park(desk=so, file_id=file.pk, origin=ORIGIN).tray == Item.Tray.PARKED
    with pytest.raises(Refused, match="cannot be parked: it is parked"):
        files.park(desk=so, file_id=file.pk, origin=ORIGIN)
    assert files.unpark(desk=so, file_id=file.pk, origin=ORIGIN).tray == Item.Tray.INBOX
    with pytest.raises(Refused, match="is not parked"):
        files.unpark(desk=so, file_id=file.pk, origin=ORIGIN)
    actions = list(AuditEntry.objects.filter(item=file).values_list("action", flat=True))
    assert actions == ["create", "park", "unpark"]


def test_park_only_what_one_holds_and_never_a_closed_file(chart: Chart) -> None:
    file = open_file(chart)
    with pytest.raises(Refused, match="no such receipt or file"):
        files.park(desk=chart.desk("sob"), file_id=file.pk, origin=ORIGIN)
    send(chart, "so", file, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        files.park(desk=chart.desk("so"), file_id=file.pk, origin=ORIGIN)
    _close(chart, "ds", file)
    with pytest.raises(Refused, match="cannot be parked: it is closed"):
        files.park(desk=chart.desk("ds"), file_id=file.pk, origin=ORIGIN)
    with pytest.raises(Refused, match="is not parked"):
        files.unpark(desk=chart.desk("ds"), file_id=file.pk, origin=ORIGIN)
    # A receipt is never parked.
    receipt = register(chart)
    with pytest.raises(Refused, match="no such receipt or file"):
        files.park(desk=chart.desk("so"), file_id=receipt.pk, origin=ORIGIN)


def test_parked_file_can_still_be_sent_on_and_arrives_in_the_inbox(chart: Chart) -> None:
    file = open_file(chart)
    files.park(desk=chart.desk("so"), file_id=file.pk, origin=ORIGIN)
    send(chart, "so", file, "DS(Admin)")
    moved = fresh(file)
    assert (moved.holder_post, moved.tray) == (chart.post("DS(Admin)"), Item.Tray.INBOX)


def test_creator_post_closes_its_file_with_a_reason(chart: Chart) -> None:
    file = open_file(chart)
    with pytest.raises(Invalid, match="reason for closing"):
        _close(chart, "so", file, reason="  ")
    closed = _close(chart, "so", file, reason="  Orders issued ")
    assert (closed.tray, closed.closed_reason) == (Item.Tray.CLOSED, "Orders issued")
    with pytest.raises(Refused, match="cannot be closed: it is closed"):
        _close(chart, "so", file)
    with pytest.raises(Refused, match="cannot be sent on: it is closed"):
        send(chart, "so", file, "DS(Admin)")


@pytest.mark.parametrize("superior", ["ds", "secy"])
def test_posts_above_the_creator_may_close_it(chart: Chart, superior: str) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    if superior == "secy":
        send(chart, "ds", file, "SECY")
    closed = _close(chart, superior, file)
    assert closed.tray == Item.Tray.CLOSED
    entry = AuditEntry.objects.filter(item=file).last()
    assert (entry.action, entry.officer) == ("close", chart.officers[superior])


@pytest.mark.parametrize(
    ("holder", "abbreviation"),
    [("sob", "SO(Budget)"), ("ao", "AO(Admin)"), ("cr", "CR")],
    ids=["sibling", "subordinate", "registry"],
)
def test_posts_outside_the_creators_chain_may_not_close_it(
    chart: Chart, holder: str, abbreviation: str
) -> None:
    file = open_file(chart)
    send(chart, "so", file, abbreviation)
    with pytest.raises(Refused, match=r"Only SO\(Admin\), which opened ADMIN/1/.* or a post above"):
        _close(chart, holder, file)
    assert fresh(file).tray == Item.Tray.INBOX


def test_a_chain_post_held_elsewhere_does_not_let_the_holding_post_close(chart: Chart) -> None:
    # sob also holds DS(Admin) (above the creator), but holds the file at SO(Budget): the post
    # holding the file closes it, and SO(Budget) is not in SO(Admin)'s chain.
    give_post(chart, "sob", "DS(Admin)")
    file = open_file(chart)
    send(chart, "so", file, "SO(Budget)")
    with pytest.raises(Refused, match="or a post above it"):
        _close(chart, "sob", file)
    assert fresh(file).tray == Item.Tray.INBOX


def test_close_only_by_the_holder(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        _close(chart, "so", file)


def test_closing_signs_the_closers_draft_note(chart: Chart) -> None:
    file = open_file(chart)
    notes.save_draft(
        desk=chart.desk("so"), file_id=file.pk, body="File may be closed.", origin=ORIGIN
    )
    _close(chart, "so", file)
    note = Note.objects.get(file=file)
    assert (note.status, note.number) == (Note.Status.SENT, 1)
    actions = list(AuditEntry.objects.filter(item=file).values_list("action", flat=True))
    assert actions == ["create", "note", "close"]


def test_closed_file_is_reopened_by_the_creator_into_its_inbox(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    _close(chart, "ds", file, reason="Settled")
    with pytest.raises(Invalid, match="reason for reopening"):
        _reopen(chart, "so", file, reason="")
    reopened = _reopen(chart, "so", file)
    assert (reopened.tray, reopened.holder_post) == (Item.Tray.INBOX, chart.post("SO(Admin)"))
    assert reopened.closed_reason == "Settled"  # kept for history
    entry = AuditEntry.objects.filter(item=file).last()
    assert (entry.action, entry.detail, entry.post) == (
        "reopen",
        "Fresh reference",
        chart.post("SO(Admin)"),
    )
    # Open again: it can be worked on and closed again.
    notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="Reopened.", origin=ORIGIN)
    _close(chart, "so", file, reason="Settled again")


def test_superior_in_the_chain_reopens(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    _close(chart, "ds", file)
    assert _reopen(chart, "ds", file).holder_post == chart.post("DS(Admin)")


def test_reopen_is_refused_outside_the_chain_or_when_open(chart: Chart) -> None:
    file = open_file(chart)
    with pytest.raises(Refused, match="is not closed, so there is nothing to reopen"):
        _reopen(chart, "so", file)
    send(chart, "so", file, "SO(Budget)")
    send(chart, "sob", file, "SO(Admin)")
    _close(chart, "so", file)
    # SO(Budget) saw the file but is not in SO(Admin)'s chain.
    with pytest.raises(Refused, match="or a post above it"):
        _reopen(chart, "sob", file)
    # SECY is above, but never saw it: the refusal does not describe the file.
    with pytest.raises(Refused, match="no such receipt or file"):
        _reopen(chart, "secy", file)
    assert fresh(file).tray == Item.Tray.CLOSED


def test_closed_file_takes_no_notes_until_reopened(chart: Chart) -> None:
    file = open_file(chart)
    _close(chart, "so", file)
    with pytest.raises(Refused, match="closed file takes no new notes"):
        notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="More.", origin=ORIGIN)


def test_new_file_for_a_receipt_is_opened_at_the_receipts_post(chart: Chart) -> None:
    give_post(chart, "so", "SO(Budget)")
    so = chart.desk("so")
    receipt = receipts.register_receipt(
        desk=so,
        details=receipt_details(chart),
        origin=ORIGIN,
        post_id=chart.post("SO(Budget)").pk,
    )
    file = receipts.put_in_file(
        desk=so, receipt_id=receipt.pk, new_file=file_details(chart), origin=ORIGIN
    )
    assert file.created_post == file.holder_post == chart.post("SO(Budget)")
    assert file.reference.startswith("BUDGET/1/")
