"""Moving receipts and files between posts: forward, return, pull back, and opening on arrival."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from eoffice.errors import Invalid, Refused
from eoffice.models import Item, Movement, Note, Post
from eoffice.selectors.access import Desk, acting_post, can_see
from eoffice.services import audit, notes
from eoffice.services.audit import Origin
from eoffice.services.custody import NOT_FOUND, grant, holder_post, lock_item, now, post_named
from eoffice.states import check_movable

Action = audit.AuditEntry.Action
MAX_REMARKS = 2_000


def _send(
    *,
    desk: Desk,
    item: Item,
    from_post: Post,
    to_post: Post,
    kind: str,
    remarks: str,
    due_date: date | None,
    origin: Origin,
) -> Movement:
    at = now()
    movement = Movement.objects.create(
        item=item,
        kind=kind,
        from_post=from_post,
        to_post=to_post,
        by=desk.officer,
        sent_at=at,
        remarks=remarks,
        due_date=due_date,
    )
    item.holder_post = to_post
    item.tray = Item.Tray.INBOX
    item.arrived_at = at
    item.last_movement = movement
    if due_date is not None:
        item.due_date = due_date
    item.save(update_fields=["holder_post", "tray", "arrived_at", "last_movement", "due_date"])
    grant(item, to_post, at)
    action = Action.PULL_BACK if kind == Movement.Kind.PULL_BACK else Action.MOVE
    with translation.override("en"):  # records are kept in one language
        detail = f"{Movement.Kind(kind).label} {from_post.abbreviation} → {to_post.abbreviation}"
    audit.record(
        officer=desk.officer,
        post=from_post if kind != Movement.Kind.PULL_BACK else to_post,
        action=action,
        item=item,
        origin=origin,
        detail=f"{detail}: {remarks}" if remarks else detail,
    )
    return movement


def _check_remarks(remarks: str, due_date: date | None) -> str:
    remarks = (remarks or "").strip()
    if len(remarks) > MAX_REMARKS:
        raise Invalid(
            gettext("Remarks can be at most %(limit)s characters.") % {"limit": f"{MAX_REMARKS:,}"}
        )
    if due_date is not None and due_date < timezone.localdate():
        raise Invalid(gettext("The due date cannot be in the past."))
    return remarks


@transaction.atomic
def forward(
    *,
    desk: Desk,
    item_id: int,
    to_post_id: object,
    remarks: str = "",
    due_date: date | None = None,
    origin: Origin,
    draft_for_receiver: bool = False,
    typed_note: str | None = None,
    note_choice: notes.NoteChoice | None = None,
) -> Movement:
    """Sends an item the officer holds to any post. Their draft notes in a file are signed as it
    leaves, unless `draft_for_receiver` (or `note_choice` DRAFT) sends their own draft on for the
    receiver to edit. `typed_note` is the text of the page's note box, taken as the draft in
    this transaction (see notes.leave_with_file); `note_choice` is what the officer chose for it."""
    item: Item = lock_item(desk, item_id)
    from_post = holder_post(desk, item)
    check_movable(item)
    to_post = post_named(to_post_id)
    if to_post.pk == from_post.pk:
        raise Invalid(
            gettext("%(reference)s is already with %(post)s.")
            % {"reference": item.reference, "post": to_post.abbreviation}
        )
    remarks = _check_remarks(remarks, due_date)
    if item.kind == Item.Kind.FILE:
        if draft_for_receiver and note_choice is None:
            note_choice = notes.NoteChoice.DRAFT
        notes.leave_with_file(
            desk=desk,
            file=item.file,
            post=from_post,
            origin=origin,
            typed=typed_note,
            choice=note_choice,
            to_post=to_post,
        )
    return _send(
        desk=desk,
        item=item,
        from_post=from_post,
        to_post=to_post,
        kind=Movement.Kind.FORWARD,
        remarks=remarks,
        due_date=due_date,
        origin=origin,
    )


@transaction.atomic
def send_back(
    *,
    desk: Desk,
    item_id: int,
    remarks: str = "",
    origin: Origin,
    due_date: date | None = None,
    typed_note: str | None = None,
    note_choice: notes.NoteChoice | None = None,
) -> Movement:
    """Returns an item to the post it came from, signing the officer's drafts in a file (or
    keeping their own, as chosen; `typed_note` as in forward)."""
    item: Item = lock_item(desk, item_id)
    from_post = holder_post(desk, item)
    check_movable(item)
    last = item.last_movement
    if last is not None and last.kind == Movement.Kind.PULL_BACK:
        # A pulled-back item came from where it was before it was sent, not from the post it
        # was pulled back from (which never opened it).
        last = (
            item.movements.filter(to_post=from_post)
            .exclude(kind=Movement.Kind.PULL_BACK)
            .order_by("-sent_at", "-pk")
            .first()
        )
    if last is None or last.to_post_id != from_post.pk:
        raise Refused(
            gettext(
                "%(reference)s was not sent to you by another post, so it has nowhere to return to."
            )
            % {"reference": item.reference}
        )
    remarks = _check_remarks(remarks, due_date)
    if item.kind == Item.Kind.FILE:
        notes.leave_with_file(
            desk=desk,
            file=item.file,
            post=from_post,
            origin=origin,
            typed=typed_note,
            choice=note_choice,
        )
    return _send(
        desk=desk,
        item=item,
        from_post=from_post,
        to_post=last.from_post,
        kind=Movement.Kind.RETURN,
        remarks=remarks,
        due_date=due_date,
        origin=origin,
    )


@transaction.atomic
def pull_back(*, desk: Desk, item_id: int, origin: Origin, remarks: str = "") -> Movement:
    """Takes back an item the officer's post sent, while the receiver has not opened it."""
    item: Item = lock_item(desk, item_id)
    last = item.last_movement
    # ids_for: a delegate may not pull a Secret item back into a post they act for.
    sent_by_desk = last is not None and last.from_post_id in desk.ids_for(item)
    if last is None or not sent_by_desk or item.holder_post_id != last.to_post_id:
        raise Refused(
            gettext("%(reference)s was not last sent by you, so you cannot pull it back.")
            % {"reference": item.reference}
        )
    if last.read_at is not None:
        raise Refused(
            gettext("%(reference)s was opened by %(post)s; ask them to return it.")
            % {"reference": item.reference, "post": last.to_post.abbreviation}
        )
    if item.tray != Item.Tray.INBOX:
        raise Refused(
            gettext("%(reference)s has been acted on by %(post)s.")
            % {"reference": item.reference, "post": last.to_post.abbreviation}
        )
    if item.kind == Item.Kind.FILE:
        # Drafts sent on for the receiver to edit come back to their authors with the file.
        Note.objects.filter(
            file_id=item.pk,
            status=Note.Status.DRAFT,
            draft_for_post_id=last.to_post_id,
            author_post_id=last.from_post_id,
        ).update(draft_for_post=None)
    return _send(
        desk=desk,
        item=item,
        from_post=last.to_post,
        to_post=last.from_post,
        kind=Movement.Kind.PULL_BACK,
        remarks=_check_remarks(remarks, None),
        due_date=None,
        origin=origin,
    )


@transaction.atomic
def open_item(*, desk: Desk, item: Item, origin: Origin) -> None:
    """Records that the officer opened an item they may see: the movement's read time when it
    is with their post and unread, and an audit entry for graded items."""
    if not can_see(desk, item):
        raise Refused(str(NOT_FOUND))
    post = acting_post(desk, item)
    last = item.last_movement
    # Only the post the item was last sent to reads that movement (a reopened file lies with a
    # post its last movement did not go to).
    if (
        post is not None
        and last is not None
        and last.to_post_id == post.pk
        and last.read_at is None
    ):
        at = now()
        updated = Movement.objects.filter(pk=last.pk, read_at__isnull=True).update(
            read_at=at, read_by=desk.officer
        )
        if updated:
            last.read_at, last.read_by = at, desk.officer
    if item.is_graded:
        with translation.override("en"):  # records are kept in one language
            detail = f"{item.get_grading_display()} item opened"
        audit.record(
            officer=desk.officer,
            post=post,
            action=Action.VIEW,
            item=item,
            origin=origin,
            detail=detail,
        )
