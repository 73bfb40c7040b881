"""A post's trays: with me (inbox), sent, parked and closed; sortable, filterable, paginated.

Each list is one query for its page and one for its count, whatever the page holds: the rows
carry their holder, last movement, sender and category by joins, never a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from eoffice.models import RESTRICTED_GRADINGS, Item, Movement
from eoffice.selectors.access import Desk

TRAYS = ("inbox", "sent", "parked", "closed")
SORTS = {
    "newest": ("-arrived_at", "-pk"),
    "oldest": ("arrived_at", "pk"),
    "priority": ("-priority", "-arrived_at", "-pk"),
    "due": ("due_date", "-priority", "-pk"),
}
SENT_SORTS = {
    "newest": ("-sent_at", "-pk"),
    "oldest": ("sent_at", "pk"),
    "priority": ("-item__priority", "-sent_at", "-pk"),
    "due": ("due_date", "-sent_at", "-pk"),
}


@dataclass(frozen=True)
class TrayFilter:
    post_id: int | None = None
    kind: str = ""
    priority: int | None = None
    overdue: bool = False
    query: str = ""
    sort: str = "newest"


def _post_ids(desk: Desk, post_id: int | None) -> tuple[set[int], set[int]]:
    """The posts whose tray is shown, and those of them that may show restricted items."""
    ids = {post_id} & desk.post_ids if post_id is not None else desk.post_ids
    return ids, ids & desk.posted_ids


def _narrow(queryset: QuerySet, f: TrayFilter, prefix: str = "") -> QuerySet:
    if f.kind in Item.Kind.values:
        queryset = queryset.filter(**{f"{prefix}kind": f.kind})
    if f.priority is not None:
        queryset = queryset.filter(**{f"{prefix}priority": f.priority})
    if f.query:
        text = f.query.strip()
        queryset = queryset.filter(
            Q(**{f"{prefix}reference__icontains": text})
            | Q(**{f"{prefix}subject__icontains": text})
        )
    return queryset


def items_in_tray(desk: Desk, tray: str, f: TrayFilter) -> QuerySet[Item]:
    """The items lying in one tray (inbox, parked or closed) of the desk's posts."""
    ids, posted = _post_ids(desk, f.post_id)
    restricted = Q(grading__in=RESTRICTED_GRADINGS)
    queryset = Item.objects.filter(tray=tray, holder_post__in=ids).filter(
        ~restricted | Q(holder_post__in=posted)
    )
    queryset = _narrow(queryset, f)
    if f.overdue:
        queryset = queryset.filter(due_date__lt=timezone.localdate())
    return queryset.select_related(
        "holder_post",
        "category",
        "last_movement__from_post",
        "last_movement__by",
    ).order_by(*SORTS.get(f.sort, SORTS["newest"]))


def sent_items(desk: Desk, f: TrayFilter) -> QuerySet[Movement]:
    """Movements sent from the desk's posts, newest first, each with where the item is now."""
    ids, posted = _post_ids(desk, f.post_id)
    restricted = Q(item__grading__in=RESTRICTED_GRADINGS)
    queryset = Movement.objects.filter(from_post__in=ids).exclude(kind=Movement.Kind.PULL_BACK)
    queryset = queryset.filter(~restricted | Q(from_post__in=posted))
    queryset = _narrow(queryset, f, prefix="item__")
    if f.overdue:
        queryset = queryset.filter(due_date__lt=timezone.localdate())
    return queryset.select_related(
        "item__holder_post", "item__category", "to_post", "from_post"
    ).order_by(*SENT_SORTS.get(f.sort, SENT_SORTS["newest"]))


def tray_counts(desk: Desk, post_id: int | None = None) -> dict[str, int]:
    """How many items lie in each tray of the desk's posts, and how many are unread or overdue.
    One query."""
    ids, posted = _post_ids(desk, post_id)
    restricted = Q(grading__in=RESTRICTED_GRADINGS)
    today = timezone.localdate()
    inbox = Q(tray=Item.Tray.INBOX)
    counts = (
        Item.objects.filter(holder_post__in=ids, tray__in=["inbox", "parked", "closed"])
        .filter(~restricted | Q(holder_post__in=posted))
        .aggregate(
            inbox=Count("pk", filter=inbox),
            unread=Count(
                "pk",
                filter=inbox & Q(last_movement__isnull=False, last_movement__read_at__isnull=True),
            ),
            overdue=Count("pk", filter=inbox & Q(due_date__lt=today)),
            parked=Count("pk", filter=Q(tray=Item.Tray.PARKED)),
            closed=Count("pk", filter=Q(tray=Item.Tray.CLOSED)),
        )
    )
    return counts


def is_overdue(due: date | None) -> bool:
    return due is not None and due < timezone.localdate()
