"""One receipt or file as its page shows it: notes, correspondence, movements and history.

Each part is one query whatever the file holds (50 notes or 5,000 movements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from config.database.prepared import prepared
from eoffice.models import (
    RESTRICTED_GRADINGS,
    AuditEntry,
    CorrespondenceEntry,
    Document,
    File,
    Item,
    Movement,
    Note,
    PostAccess,
    Receipt,
)
from eoffice.selectors.access import Desk, acting_post, can_see, visible_items
from eoffice.selectors.org_chart import chain_above
from eoffice.states import MOVABLE

ITEM_RELATED = ("holder_post", "created_post", "created_by", "category", "last_movement__from_post")


@prepared
def _item(item_id: int) -> QuerySet[Item]:
    # Only what can_see reads: joins are for the page's query below, and PostgreSQL spends
    # more planning a join of six tables (1 ms) than running it.
    return Item.objects.filter(pk=item_id).only("pk", "kind", "grading").order_by()


@prepared
def _file(item_id: int) -> QuerySet[File]:
    return (
        File.objects.select_related(*ITEM_RELATED, "last_movement__to_post", "office")
        .filter(pk=item_id)
        .order_by()
    )


@prepared
def _receipt(item_id: int) -> QuerySet[Receipt]:
    return (
        Receipt.objects.select_related(
            *ITEM_RELATED, "last_movement__to_post", "document", "filed_in"
        )
        .filter(pk=item_id)
        .order_by()
    )


def item_for(desk: Desk, item_id: int) -> Item | None:
    """The receipt or file (as its own model) if the desk may see it, else None."""
    found = _item(item_id)
    if not found or not can_see(desk, found[0]):
        return None
    specific = _file(item_id) if found[0].kind == Item.Kind.FILE else _receipt(item_id)
    return specific[0] if specific else None


@prepared
def _notes(file_id: int, officer_id: int, post_ids: set[int]) -> QuerySet[Note]:
    drafts = Q(status=Note.Status.DRAFT) & (
        Q(author_id=officer_id, draft_for_post__isnull=True) | Q(draft_for_post__in=post_ids)
    )
    return (
        Note.objects.filter(file_id=file_id)
        .filter(Q(status=Note.Status.SENT) | drafts)
        .select_related("author", "author_post", "draft_for_post", "edited_by")
        .order_by("number", "created_at")
    )


def visible_notes(desk: Desk, file: File) -> list[Note]:
    """Sent notes in order, then the drafts this officer may read: their own, and those sent to
    a post they hold."""
    return _notes(file.pk, desk.officer.pk, desk.ids_for(file))


def own_draft(desk: Desk, file_id: int) -> Note | None:
    """The officer's own draft in a file, at a post they hold, not sent on to another post."""
    return (
        Note.objects.filter(
            file_id=file_id,
            status=Note.Status.DRAFT,
            author=desk.officer,
            author_post_id__in=desk.post_ids,
            draft_for_post__isnull=True,
        )
        .order_by("-updated_at")
        .first()
    )


@prepared
def _correspondence(file_id: int, posted_ids: set[int]) -> QuerySet[CorrespondenceEntry]:
    seen_by_desk = PostAccess.objects.filter(item_id=OuterRef("receipt_id"), post_id__in=posted_ids)
    return (
        CorrespondenceEntry.objects.filter(file_id=file_id)
        .select_related("receipt", "document", "added_post", "added_by")
        .annotate(
            withheld=Case(
                When(
                    Q(receipt__grading__in=RESTRICTED_GRADINGS) & ~Exists(seen_by_desk),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("first_page")
    )


def correspondence(desk: Desk, file: File) -> list[CorrespondenceEntry]:
    """The file's correspondence in page order. A Secret or Top Secret receipt the officer may
    not see keeps its place and pages but has `withheld` set, its subject unshown. One query
    however many entries there are."""
    return _correspondence(file.pk, desk.posted_ids)


def movements(item: Item) -> QuerySet[Movement]:
    return item.movements.select_related("from_post", "to_post", "by", "read_by").order_by(
        "sent_at", "pk"
    )


# What is done to an item where it lies, shown in its movement beside the hand-overs.
IN_PLACE = (
    AuditEntry.Action.PARK,
    AuditEntry.Action.UNPARK,
    AuditEntry.Action.CLOSE,
    AuditEntry.Action.REOPEN,
)


@dataclass(frozen=True)
class Step:
    """One line of an item's movement: a hand-over (`movement`) or an action in place
    (`entry`: parked, taken out of parked, closed, reopened)."""

    at: datetime
    movement: Movement | None = None
    entry: AuditEntry | None = None


@prepared
def _movements(item_id: int) -> QuerySet[Movement]:
    return (
        Movement.objects.filter(item_id=item_id)
        .select_related("from_post", "to_post", "by", "read_by")
        .order_by("sent_at", "pk")
    )


@prepared
def _in_place(item_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(item_id=item_id, action__in=IN_PLACE).select_related(
        "officer", "post"
    )


def timeline(item: Item) -> list[Step]:
    """The item's movement in the order it happened: hand-overs and actions in place. Two
    queries whatever the item's age."""
    steps = [Step(at=m.sent_at, movement=m) for m in _movements(item.pk)]
    steps += [Step(at=e.at, entry=e) for e in _in_place(item.pk)]
    return sorted(steps, key=lambda step: step.at)


def closure(item: Item) -> AuditEntry | None:
    """Who closed the item, when, from which post and why: the last closing on record."""
    return (
        item.audit_entries.filter(action=AuditEntry.Action.CLOSE)
        .select_related("officer", "post")
        .order_by("-at", "-pk")
        .first()
    )


def history(item: Item) -> QuerySet[AuditEntry]:
    return item.audit_entries.select_related("officer", "post").order_by("at", "pk")


def files_to_put_in(desk: Desk, post_id: int) -> QuerySet[File]:
    """Open files with the post, to offer when a receipt is put in a file: only if the desk holds
    the post, and without restricted files when it holds it as a delegate."""
    if post_id not in desk.post_ids:
        return File.objects.none()
    files = File.objects.filter(holder_post_id=post_id, tray__in=["inbox", "parked"])
    return visible_items(desk, files).order_by("-arrived_at")[:200]


def abilities(desk: Desk, item: Item) -> dict[str, bool]:
    """Which actions the page offers; the services check each again when it is taken."""
    holder = acting_post(desk, item)
    last = item.last_movement
    tray = item.tray
    chain = set(chain_above(item.created_post)) if item.kind == Item.Kind.FILE else set()
    may_close_here = holder is not None and holder.pk in chain
    return {
        "holds": holder is not None,
        "move": holder is not None and tray in MOVABLE[item.kind],
        "send_back": holder is not None
        and tray in MOVABLE[item.kind]
        and last is not None
        and last.to_post_id == holder.pk,
        "pull_back": last is not None
        and tray == Item.Tray.INBOX
        and desk.holds(last.from_post_id)
        and item.holder_post_id == last.to_post_id
        and last.read_at is None,
        "park": holder is not None and item.kind == Item.Kind.FILE and tray == Item.Tray.INBOX,
        "unpark": holder is not None and tray == Item.Tray.PARKED,
        "close_file": may_close_here and tray in (Item.Tray.INBOX, Item.Tray.PARKED),
        "reopen": tray == Item.Tray.CLOSED
        and item.kind == Item.Kind.FILE
        and bool(chain & desk.ids_for(item)),
        "close_receipt": holder is not None
        and item.kind == Item.Kind.RECEIPT
        and tray == Item.Tray.INBOX,
        "put_in_file": holder is not None
        and item.kind == Item.Kind.RECEIPT
        and tray == Item.Tray.INBOX,
        "write": holder is not None and item.kind == Item.Kind.FILE and tray != Item.Tray.CLOSED,
    }


def document_for(desk: Desk, document_id: int) -> tuple[Document, Item] | None:
    """A stored document with the receipt or file it belongs to, if the desk may see that."""
    receipt = Receipt.objects.select_related("document").filter(document_id=document_id).first()
    if receipt is not None:
        if receipt.document is None or not can_see(desk, receipt):
            return None
        return receipt.document, receipt
    entry = (
        CorrespondenceEntry.objects.select_related("document", "file")
        .filter(document_id=document_id)
        .first()
    )
    if entry is None or entry.document is None or not can_see(desk, entry.file):
        return None
    return entry.document, entry.file
