"""Receipts: registering (electronic with an upload, physical for tracking), filing, closing."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from eoffice.errors import Invalid, Refused
from eoffice.models import (
    AuditEntry,
    Category,
    CorrespondenceEntry,
    Document,
    File,
    Grading,
    Item,
    PostAccess,
    Priority,
    Receipt,
)
from eoffice.selectors.access import desk_of
from eoffice.services import files, receipts
from eoffice.services.documents import MAX_BYTES
from eoffice.services.receipts import Upload
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    days_from_now,
    docx_bytes,
    file_details,
    give_post,
    open_file,
    pdf_bytes,
    png_bytes,
    receipt_details,
    register,
    register_scan,
    send,
)


def _register(chart: Chart, upload: Upload | None = None, **overrides: Any) -> Receipt:
    return receipts.register_receipt(
        desk=chart.desk("so"),
        details=receipt_details(chart, **overrides),
        upload=upload,
        origin=ORIGIN,
    )


def test_electronic_receipt_keeps_its_scan_and_counts_its_pages(chart: Chart) -> None:
    receipt = _register(
        chart,
        Upload(BytesIO(pdf_bytes(4)), "letter from DEO.pdf"),
        mode="electronic",
        grading=Grading.CONFIDENTIAL,
        priority=Priority.IMMEDIATE,
        due_date=days_from_now(5),
        letter_reference="DEO/LHR/123",
        sender_address="Lahore",
    )
    receipt = Receipt.objects.select_related("document").get(pk=receipt.pk)
    today = timezone.localdate()
    assert receipt.mode == Receipt.Mode.ELECTRONIC
    assert receipt.document.content_type == "application/pdf"
    assert receipt.document.pages == receipt.pages == 4
    assert receipt.reference == f"{receipt.diary_number}/{today.year}"
    assert receipt.diary_year == today.year
    assert (receipt.grading, receipt.priority) == (Grading.CONFIDENTIAL, Priority.IMMEDIATE)
    assert (receipt.due_date, receipt.letter_reference) == (days_from_now(5), "DEO/LHR/123")
    assert (receipt.letter_date, receipt.received_date) == (today - timedelta(days=3), today)
    assert receipt.holder_post == receipt.created_post == chart.post("SO(Admin)")
    assert (receipt.tray, receipt.created_by) == (Item.Tray.INBOX, chart.officers["so"])
    assert PostAccess.objects.filter(item=receipt, post=chart.post("SO(Admin)")).exists()


def test_physical_receipt_is_tracked_without_a_document(chart: Chart) -> None:
    receipt = _register(chart, pages=7, sender_name="  Chief Minister's Office  ")
    assert receipt.mode == Receipt.Mode.PHYSICAL
    assert receipt.document is None
    assert receipt.pages == 7
    assert receipt.sender_name == "Chief Minister's Office"
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (png_bytes(), "scan.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "photo.jpg", "image/jpeg"),
        (b"II*\x00" + b"\x00" * 64, "fax.tif", "image/tiff"),
        (docx_bytes(), "email.docx", "application/vnd.openxmlformats-officedocument"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "application/vnd.ms-excel"),
        # Judged by content, not by the name the browser sent.
        (pdf_bytes(2), "letter.txt", "application/pdf"),
    ],
    ids=["png", "jpeg", "tiff", "docx", "xls", "pdf-named-txt"],
)
def test_electronic_receipt_accepts_pdf_images_and_office_files(
    chart: Chart, data: bytes, name: str, content_type: str
) -> None:
    receipt = _register(chart, Upload(BytesIO(data), name), mode="electronic")
    assert receipt.document.content_type.startswith(content_type)
    assert receipt.document.size == len(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Dear Sir, please find attached", "letter.pdf", "not a file we accept"),
        (b"MZ\x90\x00 executable", "letter.pdf", "not a file we accept"),
        (b"<html><script>alert(1)</script>", "letter.html", "not a file we accept"),
        # A zip is an office file only when named as one.
        (docx_bytes(), "letters.zip", "not a file we accept"),
        (docx_bytes(), "letter.pdf", "not a file we accept"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "damaged.pdf", "damaged"),
        (pdf_bytes(3)[:-60], "truncated.pdf", "damaged"),
        (b"", "empty.pdf", "empty"),
        (None, "huge.pdf", "larger than 25 MB"),  # made in the test, not at collection
    ],
    ids=["text", "exe", "html", "zip", "zip-as-pdf", "damaged", "truncated", "empty", "oversize"],
)
def test_bad_upload_is_refused_and_takes_no_number(
    chart: Chart, data: bytes | None, name: str, message: str
) -> None:
    if data is None:
        data = b"%PDF-" + b"0" * MAX_BYTES
    with pytest.raises(Invalid, match=message):
        _register(chart, Upload(BytesIO(data), name), mode="electronic")
    assert Receipt.objects.count() == Document.objects.count() == 0
    # The next registration still gets number 1: the refused one took none.
    assert register(chart).diary_number == 1


def _past(days: int) -> object:
    return timezone.localdate() - timedelta(days=days)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": "fax"}, "electronic or physical"),
        ({"mode": "electronic"}, "needs its scanned letter"),
        ({"subject": "   "}, "subject and the sender are required"),
        ({"sender_name": ""}, "subject and the sender are required"),
        ({"subject": "x" * 501}, "subject can be at most 500"),
        ({"sender_name": "x" * 201}, "sender can be at most 200"),
        ({"letter_reference": "x" * 121}, "reference can be at most 120"),
        ({"received_date": days_from_now(1)}, "received date cannot be in the future"),
        ({"letter_date": days_from_now(1)}, "cannot be dated after it was received"),
        ({"letter_date": _past(1), "received_date": _past(2)}, "dated after it was received"),
        ({"received_date": _past(2), "due_date": _past(3)}, "due date cannot be before"),
        ({"grading": "restricted"}, "grading and a priority"),
        ({"priority": 9}, "grading and a priority"),
        ({"pages": 0}, "between 1 and 10,000 pages"),
        ({"pages": 10_001}, "between 1 and 10,000 pages"),
        ({"category_id": 987_654}, "category from the list"),
    ],
)
def test_bad_details_are_refused_with_a_reason(
    chart: Chart, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        _register(chart, **overrides)
    assert not Receipt.objects.exists()


def test_physical_receipt_takes_no_upload(chart: Chart) -> None:
    with pytest.raises(Invalid, match="tracked only"):
        _register(chart, Upload(BytesIO(pdf_bytes()), "scan.pdf"), mode="physical")


def test_inactive_category_is_refused(chart: Chart) -> None:
    Category.objects.filter(pk=chart.category.pk).update(is_active=False)
    with pytest.raises(Invalid, match="category"):
        _register(chart)


def test_receipt_is_registered_only_at_a_post_one_holds(chart: Chart) -> None:
    with pytest.raises(Refused, match="do not hold that post"):
        receipts.register_receipt(
            desk=chart.desk("so"),
            details=receipt_details(chart),
            origin=ORIGIN,
            post_id=chart.post("DS(Admin)").pk,
        )
    admin = User.objects.get(is_staff=True)
    with pytest.raises(Refused, match="hold no post"):
        receipts.register_receipt(
            desk=desk_of(admin), details=receipt_details(chart), origin=ORIGIN
        )
    assert not Receipt.objects.exists()


def test_receipt_is_sent_to_a_post_with_remarks(chart: Chart) -> None:
    receipt = register(chart)
    sent = send(chart, "so", receipt, "DS(Admin)", remarks="For orders", due_date=days_from_now(2))
    receipt.refresh_from_db()
    assert receipt.holder_post == chart.post("DS(Admin)")
    assert (sent.remarks, sent.due_date, receipt.due_date) == (
        "For orders",
        days_from_now(2),
        days_from_now(2),
    )


def test_receipt_put_in_a_new_file(chart: Chart) -> None:
    receipt = register_scan(chart, pages=3)
    file = receipts.put_in_file(
        desk=chart.desk("so"),
        receipt_id=receipt.pk,
        new_file=file_details(chart, subject="Repairs of schools"),
        origin=ORIGIN,
    )
    receipt.refresh_from_db()
    assert (receipt.tray, receipt.filed_in_id) == (Item.Tray.FILED, file.pk)
    assert file.subject == "Repairs of schools"
    assert file.holder_post == chart.post("SO(Admin)")
    entry = CorrespondenceEntry.objects.get(file=file)
    assert (entry.receipt_id, entry.first_page, entry.last_page) == (receipt.pk, 1, 3)
    assert File.objects.get(pk=file.pk).pages_used == 3


def test_receipts_put_in_an_existing_file_take_the_next_pages(chart: Chart) -> None:
    file = open_file(chart)
    first, second = register(chart, pages=2), register_scan(chart, pages=5)
    for receipt in (first, second):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=receipt.pk, file_id=file.pk, origin=ORIGIN
        )
    pages = list(
        CorrespondenceEntry.objects.filter(file=file).values_list(
            "receipt_id", "first_page", "last_page"
        )
    )
    assert pages == [(first.pk, 1, 2), (second.pk, 3, 7)]


def test_put_in_file_needs_exactly_one_of_existing_or_new(chart: Chart) -> None:
    receipt, file = register(chart), open_file(chart)
    for choice in ({}, {"file_id": file.pk, "new_file": file_details(chart)}):
        with pytest.raises(Invalid, match="existing file, or give the subject"):
            receipts.put_in_file(
                desk=chart.desk("so"),
                receipt_id=receipt.pk,
                origin=ORIGIN,
                **choice,
            )
    assert File.objects.count() == 1
    assert Item.objects.get(pk=receipt.pk).tray == Item.Tray.INBOX


def test_put_in_file_refuses_a_file_held_elsewhere_or_closed(chart: Chart) -> None:
    receipt = register(chart)
    elsewhere = open_file(chart, "sob")
    # sob's file is not visible to so at all: the refusal does not describe it.
    with pytest.raises(Refused, match="no such receipt or file"):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=receipt.pk, file_id=elsewhere.pk, origin=ORIGIN
        )
    # A file so sent on is visible but no longer with so.
    sent_on = open_file(chart)
    send(chart, "so", sent_on, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=receipt.pk, file_id=sent_on.pk, origin=ORIGIN
        )
    closed = open_file(chart)
    files.close_file(desk=chart.desk("so"), file_id=closed.pk, reason="Done", origin=ORIGIN)
    with pytest.raises(Refused, match="is closed"):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=receipt.pk, file_id=closed.pk, origin=ORIGIN
        )
    assert Item.objects.get(pk=receipt.pk).tray == Item.Tray.INBOX


def test_put_in_file_refuses_a_file_at_another_post_of_the_same_officer(chart: Chart) -> None:
    give_post(chart, "so", "SO(Budget)")
    receipt = register(chart)  # at SO(Admin), the officer's own post
    budget_file = open_file(chart, "so", post_id=chart.post("SO(Budget)").pk)
    with pytest.raises(Refused, match="another of your posts"):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=receipt.pk, file_id=budget_file.pk, origin=ORIGIN
        )


def test_secret_receipt_goes_only_into_a_file_graded_as_high(chart: Chart) -> None:
    secret = register(chart, grading=Grading.SECRET)
    normal_file = open_file(chart)
    with pytest.raises(Refused, match="Secret receipt cannot go into a Normal file"):
        receipts.put_in_file(
            desk=chart.desk("so"), receipt_id=secret.pk, file_id=normal_file.pk, origin=ORIGIN
        )
    # Nor into a new normal file: that file is not left behind either.
    with pytest.raises(Refused, match="graded at least as high"):
        receipts.put_in_file(
            desk=chart.desk("so"),
            receipt_id=secret.pk,
            new_file=file_details(chart),
            origin=ORIGIN,
        )
    assert File.objects.count() == 1
    top = open_file(chart, grading=Grading.TOP_SECRET)
    receipts.put_in_file(desk=chart.desk("so"), receipt_id=secret.pk, file_id=top.pk, origin=ORIGIN)
    assert Receipt.objects.get(pk=secret.pk).filed_in_id == top.pk


def test_receipt_is_filed_or_closed_only_once(chart: Chart) -> None:
    so = chart.desk("so")
    filed, file = register(chart), open_file(chart)
    receipts.put_in_file(desk=so, receipt_id=filed.pk, file_id=file.pk, origin=ORIGIN)
    with pytest.raises(Refused, match="it has been put in a file"):
        receipts.put_in_file(desk=so, receipt_id=filed.pk, file_id=file.pk, origin=ORIGIN)
    with pytest.raises(Refused, match="cannot be closed: it has been put in a file"):
        receipts.close_receipt(desk=so, receipt_id=filed.pk, reason="Done", origin=ORIGIN)
    with pytest.raises(Refused, match="cannot be sent on: it has been put in a file"):
        send(chart, "so", filed, "DS(Admin)")
    assert CorrespondenceEntry.objects.count() == 1


def test_close_receipt_with_a_reason(chart: Chart) -> None:
    receipt = register(chart)
    closed = receipts.close_receipt(
        desk=chart.desk("so"), receipt_id=receipt.pk, reason="  Filed for record ", origin=ORIGIN
    )
    assert (closed.tray, closed.closed_reason) == (Item.Tray.CLOSED, "Filed for record")
    entry = AuditEntry.objects.filter(item=receipt).last()
    assert (entry.action, entry.detail) == (AuditEntry.Action.CLOSE, "Filed for record")


def test_closing_needs_a_reason_the_holder_and_an_open_receipt(chart: Chart) -> None:
    receipt = register(chart)
    with pytest.raises(Invalid, match="reason"):
        receipts.close_receipt(
            desk=chart.desk("so"), receipt_id=receipt.pk, reason=" ", origin=ORIGIN
        )
    send(chart, "so", receipt, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        receipts.close_receipt(
            desk=chart.desk("so"), receipt_id=receipt.pk, reason="Done", origin=ORIGIN
        )
    with pytest.raises(Refused, match="no such receipt or file"):
        receipts.close_receipt(
            desk=chart.desk("sob"), receipt_id=receipt.pk, reason="Done", origin=ORIGIN
        )
    ds = chart.desk("ds")
    receipts.close_receipt(desk=ds, receipt_id=receipt.pk, reason="Done", origin=ORIGIN)
    with pytest.raises(Refused, match="cannot be closed: it is closed"):
        receipts.close_receipt(desk=ds, receipt_id=receipt.pk, reason="Again", origin=ORIGIN)
    with pytest.raises(Refused, match="cannot be put in a file: it is closed"):
        receipts.put_in_file(
            desk=ds, receipt_id=receipt.pk, new_file=file_details(chart), origin=ORIGIN
        )
    with pytest.raises(Refused, match="cannot be sent on: it is closed"):
        send(chart, "ds", receipt, "SO(Admin)")
    assert Item.objects.get(pk=receipt.pk).closed_reason == "Done"
