"""Registering receipts (incoming correspondence, "dak"), filing and closing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from eoffice.errors import Invalid, Refused
from eoffice.models import Category, File, Grading, Item, Priority, Receipt
from eoffice.selectors.access import Desk
from eoffice.services import audit, documents, files, movement
from eoffice.services.audit import Origin
from eoffice.services.custody import create_item, desk_post, holder_post, lock_item
from eoffice.services.numbering import next_diary_number
from eoffice.states import check_transition

Action = audit.AuditEntry.Action


@dataclass(frozen=True)
class Upload:
    stream: BinaryIO
    name: str


@dataclass(frozen=True)
class ReceiptDetails:
    mode: str
    subject: str
    sender_name: str
    letter_date: date
    received_date: date
    category_id: int
    sender_address: str = ""
    letter_reference: str = ""
    grading: str = Grading.NORMAL
    priority: int = Priority.NORMAL
    due_date: date | None = None
    pages: int = 1


# Whole sentences, so that each reads naturally in Urdu too.
_SUBJECT_TOO_LONG = gettext_lazy("The subject can be at most %(limit)s characters.")
_SENDER_TOO_LONG = gettext_lazy("The sender can be at most %(limit)s characters.")
_REFERENCE_TOO_LONG = gettext_lazy("The letter's reference can be at most %(limit)s characters.")


def _check(details: ReceiptDetails, upload: Upload | None, today: date) -> None:
    if details.mode not in Receipt.Mode.values:
        raise Invalid(gettext("Choose whether the receipt is electronic or physical."))
    if details.mode == Receipt.Mode.ELECTRONIC and upload is None:
        raise Invalid(gettext("An electronic receipt needs its scanned letter or e-mail uploaded."))
    if details.mode == Receipt.Mode.PHYSICAL and upload is not None:
        raise Invalid(
            gettext("A physical receipt is tracked only; register it as electronic to upload.")
        )
    if not details.subject.strip() or not details.sender_name.strip():
        raise Invalid(gettext("The subject and the sender are required."))
    # The columns' lengths: longer text would fail in the database after the diary number is
    # taken, as an error instead of a message.
    for text, limit, too_long in (
        (details.subject, 500, _SUBJECT_TOO_LONG),
        (details.sender_name, 200, _SENDER_TOO_LONG),
        (details.letter_reference, 120, _REFERENCE_TOO_LONG),
    ):
        if len(text.strip()) > limit:
            raise Invalid(str(too_long) % {"limit": limit})
    if details.received_date > today:
        raise Invalid(gettext("The received date cannot be in the future."))
    if details.letter_date > details.received_date:
        raise Invalid(gettext("The letter cannot be dated after it was received."))
    if details.due_date is not None and details.due_date < details.received_date:
        raise Invalid(gettext("The due date cannot be before the received date."))
    if details.grading not in Grading.values or details.priority not in Priority.values:
        raise Invalid(gettext("Choose a grading and a priority from the lists."))
    if not 1 <= details.pages <= 10_000:
        raise Invalid(gettext("A receipt has between 1 and 10,000 pages."))
    if not Category.objects.filter(pk=details.category_id, is_active=True).exists():
        raise Invalid(gettext("Choose a category from the list."))


@transaction.atomic
def register_receipt(
    *,
    desk: Desk,
    details: ReceiptDetails,
    origin: Origin,
    upload: Upload | None = None,
    post_id: int | None = None,
) -> Receipt:
    """Registers a receipt at one of the officer's posts with the next diary number of the year.

    The number is taken in this transaction: if anything fails (a bad upload, a lost
    connection), the number is given back and the diary keeps no gap.
    """
    post = desk_post(desk, post_id)
    today = timezone.localdate()
    _check(details, upload, today)
    document = None
    pages = details.pages
    if upload is not None:
        document = documents.store_document(
            upload=upload.stream, name=upload.name, uploaded_by=desk.officer
        )
        pages = document.pages
    year = today.year
    number = next_diary_number(year)
    with translation.override("en"):  # records are kept in one language
        detail = f"Diary {number}/{year} ({Receipt.Mode(details.mode).label})"
    return create_item(
        Receipt,
        desk=desk,
        post=post,
        origin=origin,
        detail=detail,
        kind=Item.Kind.RECEIPT,
        reference=f"{number}/{year}",
        subject=details.subject.strip(),
        category_id=details.category_id,
        grading=details.grading,
        priority=details.priority,
        due_date=details.due_date,
        diary_year=year,
        diary_number=number,
        mode=details.mode,
        sender_name=details.sender_name.strip(),
        sender_address=details.sender_address.strip(),
        letter_reference=details.letter_reference.strip(),
        letter_date=details.letter_date,
        received_date=details.received_date,
        pages=pages,
        document=document,
    )


@transaction.atomic
def register_and_send(
    *,
    desk: Desk,
    details: ReceiptDetails,
    origin: Origin,
    upload: Upload | None = None,
    post_id: int | None = None,
    send_to_id: int | None = None,
    remarks: str = "",
) -> Receipt:
    """Registers a receipt and, if `send_to_id` names a post, sends it there with the remarks
    and the receipt's due date: both or neither, so no half-done receipt is left to chase."""
    receipt = register_receipt(
        desk=desk, details=details, origin=origin, upload=upload, post_id=post_id
    )
    if send_to_id is not None:
        movement.forward(
            desk=desk,
            item_id=receipt.pk,
            to_post_id=send_to_id,
            remarks=remarks,
            due_date=details.due_date,
            origin=origin,
        )
    return receipt


@transaction.atomic
def put_in_file(
    *,
    desk: Desk,
    receipt_id: int,
    origin: Origin,
    file_id: int | None = None,
    new_file: files.FileDetails | None = None,
) -> File:
    """Places a receipt the officer holds in a file they hold (or a new one), as the next pages
    of its correspondence portion."""
    receipt = lock_item(desk, receipt_id, Receipt)
    post = holder_post(desk, receipt)
    check_transition(receipt, Item.Tray.FILED)
    if (file_id is None) == (new_file is None):
        raise Invalid(gettext("Choose an existing file, or give the subject of a new one."))
    if new_file is not None:
        file = files.open_file(desk=desk, details=new_file, origin=origin, post_id=post.pk)
        file = File.objects.select_for_update().get(pk=file.pk)
    else:
        assert file_id is not None  # exactly one of the two, checked above
        file = lock_item(desk, file_id, File)
        if holder_post(desk, file).pk != post.pk:
            raise Refused(
                gettext("%(reference)s is with another of your posts; put it in from there.")
                % {"reference": file.reference}
            )
        if file.tray == Item.Tray.CLOSED:
            raise Refused(
                gettext("%(reference)s is closed; reopen it before adding to it.")
                % {"reference": file.reference}
            )
    if receipt.is_restricted and not file.is_restricted:
        raise Refused(
            gettext(
                "A %(receipt_grading)s receipt cannot go into a %(file_grading)s file; "
                "choose a file graded at least as high."
            )
            % {
                "receipt_grading": receipt.get_grading_display(),
                "file_grading": file.get_grading_display(),
            }
        )
    entry = files.add_pages(
        file=file,
        pages=receipt.pages,
        title=f"Receipt {receipt.reference}: {receipt.subject}"[:300],
        desk=desk,
        post=post,
        origin=origin,
        what=f"Receipt {receipt.reference}",
        receipt=receipt,
    )
    receipt.tray = Item.Tray.FILED
    receipt.filed_in = file
    receipt.save(update_fields=["tray", "filed_in"])
    pages = f"pages {entry.first_page}-{entry.last_page}"
    audit.record(
        officer=desk.officer,
        post=post,
        action=Action.PUT_IN_FILE,
        item=receipt,
        origin=origin,
        detail=f"Put in file {file.reference}, {pages}",
    )
    return file


@transaction.atomic
def close_receipt(*, desk: Desk, receipt_id: int, reason: str, origin: Origin) -> Receipt:
    receipt = lock_item(desk, receipt_id, Receipt)
    post = holder_post(desk, receipt)
    check_transition(receipt, Item.Tray.CLOSED)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(gettext("Give the reason for closing the receipt (e.g. “filed for record”)."))
    receipt.tray = Item.Tray.CLOSED
    receipt.closed_reason = reason[:2000]
    receipt.save(update_fields=["tray", "closed_reason"])
    audit.record(
        officer=desk.officer,
        post=post,
        action=Action.CLOSE,
        item=receipt,
        origin=origin,
        detail=reason,
    )
    return receipt
