"""The notes portion of a file: drafts ("yellow") and sent notes ("green")."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from eoffice.errors import Invalid, Refused
from eoffice.models import File, Note, Post
from eoffice.selectors.access import Desk
from eoffice.services import audit
from eoffice.services.audit import Origin
from eoffice.services.custody import holder_post, lock_item, now

MAX_NOTE_CHARS = 20_000
# Lazy: translated into the language of the request that raises it (convert with str()).
NO_DRAFT = gettext_lazy("There is no such draft note, or you may not change it.")
Action = audit.AuditEntry.Action


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid(gettext("Write the note before saving it."))
    if len(body) > MAX_NOTE_CHARS:
        raise Invalid(
            gettext("A note can be at most %(limit)s characters; split it in two.")
            % {"limit": f"{MAX_NOTE_CHARS:,}"}
        )
    return body


def _locked_note(desk: Desk, note_id: int) -> tuple[Note, File]:
    """The note and its file, locked, if the desk may see the file. One message whether the
    note does not exist or lies in a file the officer may not see, so ids reveal nothing.

    The file is locked before the note, in the order sending a file locks them (sign_drafts),
    so an edit and a forward of the same file never deadlock."""
    file_id = Note.objects.filter(pk=note_id).values_list("file_id", flat=True).first()
    if file_id is None:
        raise Refused(str(NO_DRAFT))
    try:
        file = lock_item(desk, file_id, File)
    except Refused as error:
        raise Refused(str(NO_DRAFT)) from error
    return Note.objects.select_for_update().get(pk=note_id), file


def _may_change(desk: Desk, note: Note, post: Post) -> bool:
    """A draft belongs to its author at the post holding the file, or, once sent with the file
    as a draft, to the superior's post it was sent to."""
    if note.status != Note.Status.DRAFT:
        return False
    if note.draft_for_post_id is not None:
        return note.draft_for_post_id == post.pk
    return note.author_id == desk.officer.pk and note.author_post_id == post.pk


@transaction.atomic
def save_draft(*, desk: Desk, file_id: int, body: str, origin: Origin) -> Note:
    """Creates or replaces the officer's own draft in a file they hold."""
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    body = _clean(body)
    if file.tray == File.Tray.CLOSED:
        raise Refused(gettext("A closed file takes no new notes; reopen it first."))
    note = (
        Note.objects.select_for_update()
        .filter(
            file=file,
            status=Note.Status.DRAFT,
            author=desk.officer,
            author_post=post,
            draft_for_post__isnull=True,
        )
        .first()
    )
    if note is None:
        return Note.objects.create(file=file, body=body, author=desk.officer, author_post=post)
    note.body = body
    note.save(update_fields=["body", "updated_at"])
    return note


@transaction.atomic
def edit_draft(*, desk: Desk, note_id: int, body: str, origin: Origin) -> Note:
    note, file = _locked_note(desk, note_id)
    post = holder_post(desk, file)
    if not _may_change(desk, note, post):
        raise Refused(
            gettext("Only the author of a draft note, or the officer it was sent to, may edit it.")
        )
    note.body = _clean(body)
    fields = ["body", "updated_at"]
    if note.author_id != desk.officer.pk:
        note.edited_by = desk.officer
        fields.append("edited_by")
        audit.record(
            officer=desk.officer,
            post=post,
            action=Action.DRAFT_EDITED,
            item=file,
            origin=origin,
            detail=f"Draft by {note.author} edited",
        )
    note.save(update_fields=fields)
    return note


@transaction.atomic
def discard_draft(*, desk: Desk, note_id: int, origin: Origin) -> Note:
    note, file = _locked_note(desk, note_id)
    post = holder_post(desk, file)
    if not _may_change(desk, note, post):
        raise Refused(
            gettext(
                "Only the author of a draft note, or the officer it was sent to, may discard it."
            )
        )
    note.status = Note.Status.DISCARDED
    note.save(update_fields=["status", "updated_at"])
    if note.author_id != desk.officer.pk:
        audit.record(
            officer=desk.officer,
            post=post,
            action=Action.DRAFT_DISCARDED,
            item=file,
            origin=origin,
            detail=f"Draft by {note.author} discarded",
        )
    return note


def sign_drafts(
    *, desk: Desk, file: File, post: Post, origin: Origin, keep_own_for: Post | None = None
) -> list[Note]:
    """Sends the drafts the post holds as the file leaves it: the officer's own, and those sent
    to this post as drafts by its subordinates (signed by their authors). Call with the file
    locked. With `keep_own_for`, the officer's own draft goes on as a draft for that post."""
    drafts = list(
        Note.objects.select_for_update()
        .filter(file=file, status=Note.Status.DRAFT)
        .select_related("author", "author_post")
        .order_by("created_at")
    )
    signed: list[Note] = []
    at = now()
    for note in drafts:
        own = note.draft_for_post_id is None and (
            note.author_id == desk.officer.pk and note.author_post_id == post.pk
        )
        sent_to_here = note.draft_for_post_id == post.pk
        if not (own or sent_to_here):
            continue
        if own and keep_own_for is not None:
            note.draft_for_post = keep_own_for
            note.save(update_fields=["draft_for_post", "updated_at"])
            continue
        file.notes_count += 1
        note.status = Note.Status.SENT
        note.number = file.notes_count
        note.signed_name = note.author.full_name or note.author.email
        note.signed_post = f"{note.author_post.designation} ({note.author_post.abbreviation})"
        note.signed_at = at
        note.save(
            update_fields=[
                "status",
                "number",
                "signed_name",
                "signed_post",
                "signed_at",
                "updated_at",
            ]
        )
        audit.record(
            officer=desk.officer,
            post=post,
            action=Action.NOTE,
            item=file,
            origin=origin,
            detail=f"Note {note.number} by {note.signed_name}",
        )
        signed.append(note)
    if signed:
        File.objects.filter(pk=file.pk).update(notes_count=file.notes_count)
    return signed
