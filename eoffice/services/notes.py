"""The notes portion of a file: drafts ("yellow") and sent notes ("green")."""

from __future__ import annotations

from enum import StrEnum

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


class NoteChoice(StrEnum):
    """What the officer chose for the text in the note box as the file moves."""

    SEND = "send"  # signed, and sent with the file
    KEEP = "keep"  # kept as the officer's own draft
    DRAFT = "draft"  # sent on as a draft, for the receiving post to edit (forward only)


class UnsavedNote(Invalid):
    """The note box held text that is not the saved draft, and the officer chose nothing for it:
    the move is refused rather than signing what they did not confirm or dropping what they
    typed."""


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


def _own_draft(desk: Desk, file: File, post: Post) -> Note | None:
    """The officer's own draft at the post holding the file, locked."""
    return (
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


def _write_draft(*, desk: Desk, file: File, post: Post, body: str, note: Note | None) -> Note:
    if note is None:
        return Note.objects.create(file=file, body=body, author=desk.officer, author_post=post)
    note.body = body
    note.save(update_fields=["body", "updated_at"])
    return note


@transaction.atomic
def save_draft(*, desk: Desk, file_id: int, body: str, origin: Origin) -> Note:
    """Creates or replaces the officer's own draft in a file they hold."""
    file = lock_item(desk, file_id, File)
    post = holder_post(desk, file)
    body = _clean(body)
    if file.tray == File.Tray.CLOSED:
        raise Refused(gettext("A closed file takes no new notes; reopen it first."))
    return _write_draft(
        desk=desk, file=file, post=post, body=body, note=_own_draft(desk, file, post)
    )


def take_typed_note(
    *, desk: Desk, file: File, post: Post, typed: str | None, choice: NoteChoice | None
) -> None:
    """Makes the text in the note box, as the file moves, the officer's draft, in the moving
    transaction (call it with the file locked, before the drafts are signed), so the move signs
    or keeps exactly what the officer saw and nothing typed is dropped.

    `typed` is None when the request carried no note box (a service call, a page without one):
    the saved draft is then all there is. Raises UnsavedNote when the box differs from the
    saved draft and no choice was made, and Invalid when the box was emptied of a saved draft
    that would be signed."""
    if typed is None:
        return
    typed = typed.strip()
    note = _own_draft(desk, file, post)
    if typed == (note.body if note else ""):
        return
    if choice is None:
        raise UnsavedNote(
            gettext(
                "Your note has changes that are not saved yet. Choose whether to sign and send "
                "it with the file or keep it as your draft, then send again."
            )
        )
    if not typed:
        if choice == NoteChoice.KEEP:
            return  # the saved draft stays a draft; an emptied box never discards it
        raise Invalid(
            gettext(
                "The note box is empty, but your saved draft note is not. Discard the draft, or "
                "write the note again, before sending the file."
            )
        )
    _write_draft(desk=desk, file=file, post=post, body=_clean(typed), note=note)


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
    *,
    desk: Desk,
    file: File,
    post: Post,
    origin: Origin,
    keep_own_for: Post | None = None,
    keep_own: bool = False,
) -> list[Note]:
    """Sends the drafts the post holds as the file leaves it: the officer's own, and those sent
    to this post as drafts by its subordinates (signed by their authors). Call with the file
    locked. With `keep_own_for`, the officer's own draft goes on as a draft for that post; with
    `keep_own`, it stays the officer's draft, unsigned."""
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
        if own and keep_own:
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


def leave_with_file(
    *,
    desk: Desk,
    file: File,
    post: Post,
    origin: Origin,
    typed: str | None,
    choice: NoteChoice | None,
    to_post: Post | None = None,
) -> list[Note]:
    """What becomes of the notes as a locked file leaves the post (forward, return, close): the
    note box's text is taken as the officer's draft (take_typed_note), then that draft is signed
    and sent, kept as their draft, or (forwarding to `to_post`) sent on as a draft, as chosen;
    the drafts sent to this post by its subordinates are signed either way."""
    take_typed_note(desk=desk, file=file, post=post, typed=typed, choice=choice)
    if choice == NoteChoice.DRAFT and to_post is None:
        raise Invalid(gettext("A note can be sent on as a draft only when forwarding the file."))
    return sign_drafts(
        desk=desk,
        file=file,
        post=post,
        origin=origin,
        keep_own_for=to_post if choice == NoteChoice.DRAFT else None,
        keep_own=choice == NoteChoice.KEEP,
    )
