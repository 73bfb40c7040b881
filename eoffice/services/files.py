"""Opening files, adding to their correspondence portion, parking, closing and reopening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from eoffice.errors import Invalid, Refused
from eoffice.models import (
    Category,
    CorrespondenceEntry,
    File,
    Grading,
    Item,
    Post,
    Priority,
    Receipt,
)
from eoffice.selectors.access import Desk
from eoffice.selectors.org_chart import chain_above
from eoffice.services import audit, documents, notes
from eoffice.services.audit import Origin
from eoffice.services.custody import create_item, desk_post, grant, holder_post, lock_item, now
from eoffice.services.numbering import next_file_number
from eoffice.states import check_transition

Action = audit.AuditEntry.Action


@dataclass(frozen=True)
class FileDetails:
    subject: str
    category_id: int
    grading: str = Grading.NORMAL
    priority: int = Priority.NORMAL


@transaction.atomic
def open_file(
    *, desk: Desk, details: FileDetails, origin: Origin, post_id: int | None = None
) -> File:
    """Opens a new file at one of the officer's posts, numbered by the tenant's pattern."""
    post = desk_post(desk, post_id)
    subject = details.subject.strip()
    if not subject:
        raise Invalid(gettext("Give the file a subject."))
    if len(subject) > 500:
        raise Invalid(gettext("A file's subject can be at most 500 characters."))
    if details.grading not in Grading.values or details.priority not in Priority.values:
        raise Invalid(gettext("Choose a grading and a priority from the lists."))
    category = Category.objects.filter(pk=details.category_id, is_active=True).first()
    if category is None:
        raise Invalid(gettext("Choose a category from the list."))
    year = timezone.localdate().year
    number, serial = next_file_number(
        office_code=post.office.code, category_code=category.code, year=year
    )
    return create_item(
        File,
        desk=desk,
        post=post,
        origin=origin,
        detail=f"File {number} opened",
        kind=Item.Kind.FILE,
        reference=number,
        subject=subject,
        category=category,
        grading=details.grading,
        priority=details.priority,
        office=post.office,
        year=year,
        serial=serial,
    )


def add_pages(
    *,
    file: File,
    pages: int,
    title: str,
    desk: Desk,
    post: Post,
    origin: Origin,
    what: str,
    receipt: Receipt | None = None,
    document: documents.Document | None = None,
) -> CorrespondenceEntry:
    """The next pages of a locked file's correspondence portion (numbers run without gaps),
    recorded in the file's audit trail as `what` was attached at those pages."""
    first = file.pages_used + 1
    file.pages_used += pages
    File.objects.filter(pk=file.pk).update(pages_used=file.pages_used)
    entry = CorrespondenceEntry.objects.create(
        file=file,
        receipt=receipt,
        document=document,
        title=title,
        first_page=first,
        last_page=file.pages_used,
        added_by=desk.officer,
        added_post=post,
    )
    audit.record(
        officer=desk.officer,
        post=post,
        action=Action.ATTACH,
        item=file,
        origin=origin,
        detail=f"{what} at pages {entry.first_page}-{entry.last_page}",
    )
    return entry


@transaction.atomic
def attach_document(
    *, desk: Desk, file_id: int, stream: BinaryIO, name: str, title: str, origin: Origin
) -> CorrespondenceEntry:
    """Adds an uploaded document (PDF, image, office file) to a file the officer holds."""
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    if file.tray == Item.Tray.CLOSED:
        raise Refused(
            gettext("%(reference)s is closed; reopen it before adding to it.")
            % {"reference": file.reference}
        )
    document = documents.store_document(upload=stream, name=name, uploaded_by=desk.officer)
    title = (title or "").strip() or document.original_name
    return add_pages(
        file=file,
        pages=document.pages,
        title=title[:300],
        desk=desk,
        post=post,
        origin=origin,
        what=title,
        document=document,
    )


@transaction.atomic
def park(*, desk: Desk, file_id: int, origin: Origin, typed_note: str | None = None) -> File:
    """Parks a file the officer holds. The note box's text (`typed_note`) is kept as their
    draft: nothing is signed, as the file stays with them."""
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    check_transition(file, Item.Tray.PARKED)
    notes.take_typed_note(
        desk=desk, file=file, post=post, typed=typed_note, choice=notes.NoteChoice.KEEP
    )
    file.tray = Item.Tray.PARKED
    file.save(update_fields=["tray"])
    audit.record(officer=desk.officer, post=post, action=Action.PARK, item=file, origin=origin)
    return file


@transaction.atomic
def unpark(*, desk: Desk, file_id: int, origin: Origin) -> File:
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    if file.tray != Item.Tray.PARKED:
        raise Refused(gettext("%(reference)s is not parked.") % {"reference": file.reference})
    file.tray = Item.Tray.INBOX
    file.save(update_fields=["tray"])
    audit.record(officer=desk.officer, post=post, action=Action.UNPARK, item=file, origin=origin)
    return file


def _not_in_chain(file: File) -> Refused:
    return Refused(
        gettext(
            "Only %(post)s, which opened %(reference)s, or a post above it in its reporting "
            "line can close or reopen it."
        )
        % {"post": file.created_post.abbreviation, "reference": file.reference}
    )


def _closing_post(desk: Desk, file: File) -> Post:
    """The officer's post that may close or reopen the file: its creator or a post above it."""
    allowed = chain_above(file.created_post)
    for post in desk.posts:
        if post.pk in allowed and post.pk in desk.ids_for(file):
            return post
    raise _not_in_chain(file)


def _reason(reason: str, missing: str) -> str:
    """The reason given, or Invalid with `missing` (already translated) if there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(missing)
    return reason[:2000]


@transaction.atomic
def close_file(
    *,
    desk: Desk,
    file_id: int,
    reason: str,
    origin: Origin,
    typed_note: str | None = None,
    note_choice: notes.NoteChoice | None = None,
) -> File:
    """Closes a file the officer holds, if their post opened it or is above the one that did.
    Their draft note, if any, is signed first, unless they choose to keep it as their draft
    (`typed_note` and `note_choice` as in movement.forward)."""
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    # The post holding the file closes it; that the officer also holds a post in the chain
    # elsewhere does not make the holding post one that may close it.
    if post.pk not in chain_above(file.created_post):
        raise _not_in_chain(file)
    check_transition(file, Item.Tray.CLOSED)
    reason = _reason(reason, gettext("Give the reason for closing the file."))
    notes.leave_with_file(
        desk=desk, file=file, post=post, origin=origin, typed=typed_note, choice=note_choice
    )
    file.tray = Item.Tray.CLOSED
    file.closed_reason = reason
    file.save(update_fields=["tray", "closed_reason"])
    audit.record(
        officer=desk.officer,
        post=post,
        action=Action.CLOSE,
        item=file,
        origin=origin,
        detail=reason,
    )
    return file


@transaction.atomic
def reopen_file(*, desk: Desk, file_id: int, reason: str, origin: Origin) -> File:
    """Reopens a closed file into the inbox of the officer's post that may do so."""
    file = lock_item(desk, file_id, File)
    post = _closing_post(desk, file)
    if file.tray != Item.Tray.CLOSED:
        # check_transition would say "cannot be with me", which explains nothing here.
        raise Refused(
            gettext("%(reference)s is not closed, so there is nothing to reopen.")
            % {"reference": file.reference}
        )
    check_transition(file, Item.Tray.INBOX)
    reason = _reason(reason, gettext("Give the reason for reopening the file."))
    at = now()
    file.tray = Item.Tray.INBOX
    file.holder_post = post
    file.arrived_at = at
    if file.last_movement is not None and file.last_movement.to_post_id != post.pk:
        # Reopened at a post the file was not last sent to: that movement no longer says how it
        # came here (its read time is not this post's, and it is nothing to return or pull
        # back), so the file lies here as if opened here.
        file.last_movement = None
    file.save(update_fields=["tray", "holder_post", "arrived_at", "last_movement"])
    grant(file, post, at)
    audit.record(
        officer=desk.officer,
        post=post,
        action=Action.REOPEN,
        item=file,
        origin=origin,
        detail=reason,
    )
    return file
