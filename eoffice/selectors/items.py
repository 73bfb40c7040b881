"""One receipt or file as its page shows it: notes, correspondence, movements and history.

Each part is one query whatever the file holds (50 notes or 5,000 movements).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from eoffice.models import (
    AuditEntry,
    CorrespondenceEntry,
    File,
    Item,
    Movement,
    Note,
    PostAccess,
    Receipt,
)
from eoffice.selectors.access import Desk, can_see, visible_items


def item_for(desk: Desk, item_id: int) -> Item | None:
    """The receipt or file (as its own model) if the desk may see it, else None."""
    item = (
        Item.objects.select_related(
            "holder_post", "created_post", "created_by", "category", "last_movement__from_post"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None or not can_see(desk, item):
        return None
    model = File if item.kind == Item.Kind.FILE else Receipt
    related = ("document", "filed_in") if model is Receipt else ("office",)
    return (
        model.objects.select_related(
            "holder_post",
            "created_post",
            "created_by",
            "category",
            "last_movement__from_post",
            "last_movement__to_post",
            *related,
        )
        .filter(pk=item_id)
        .first()
    )


def visible_notes(desk: Desk, file: File) -> list[Note]:
    """Sent notes in order, then the drafts this officer may read: their own, and those sent to
    a post they hold."""
    drafts = Q(status=Note.Status.DRAFT) & (
        Q(author=desk.officer, draft_for_post__isnull=True)
        | Q(draft_for_post__in=desk.ids_for(file))
    )
    return list(
        Note.objects.filter(file=file)
        .filter(Q(status=Note.Status.SENT) | drafts)
        .select_related("author", "author_post", "draft_for_post", "edited_by")
        .order_by("number", "created_at")
    )


def correspondence(desk: Desk, file: File) -> list[CorrespondenceEntry]:
    """The file's correspondence in page order. A Secret or Top Secret receipt the officer may
    not see keeps its place and pages but is marked `withheld`, its subject unshown. Two
    queries however many entries there are."""
    entries = list(
        file.correspondence.select_related(
            "receipt", "document", "added_post", "added_by"
        ).order_by("first_page")
    )
    restricted = {
        entry.receipt_id
        for entry in entries
        if entry.receipt is not None and entry.receipt.is_restricted
    }
    seen = (
        set(
            PostAccess.objects.filter(
                item_id__in=restricted, post_id__in=desk.posted_ids
            ).values_list("item_id", flat=True)
        )
        if restricted
        else set()
    )
    for entry in entries:
        entry.withheld = entry.receipt_id in restricted - seen  # type: ignore[attr-defined]
    return entries


def movements(item: Item) -> QuerySet[Movement]:
    return item.movements.select_related("from_post", "to_post", "by", "read_by").order_by(
        "sent_at", "pk"
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
