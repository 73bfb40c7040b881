"""A post's trays: with me (inbox), sent, parked and closed; sortable, filterable, paginated.

Each list is one query for its page and one for its count, whatever the page holds: the rows
carry their holder, last movement, sender and category by joins, never a query per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from config.database.prepared import Shape, prepared, totals
from eoffice.models import RESTRICTED_GRADINGS, Item, Movement
from eoffice.selectors.access import Desk

TRAYS = ("inbox", "sent", "parked", "closed")
TRAY_COUNTS = ("inbox", "unread", "overdue", "parked", "closed")
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


TRAY_RELATED = ("holder_post", "category", "last_movement__from_post", "last_movement__by")


def _lying_in(
    tray: str,
    ids: set[int],
    posted: set[int],
    kind: str | None,
    priority: int | None,
    due_before: date | None,
) -> QuerySet[Item]:
    restricted = Q(grading__in=RESTRICTED_GRADINGS)
    queryset = Item.objects.filter(tray=tray, holder_post__in=ids).filter(
        ~restricted | Q(holder_post__in=posted)
    )
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    if priority is not None:
        queryset = queryset.filter(priority=priority)
    if due_before is not None:
        queryset = queryset.filter(due_date__lt=due_before)
    return queryset


def _lying_in_args(
    desk: Desk, tray: str, f: TrayFilter
) -> tuple[str, set[int], set[int], str | None, int | None, date | None]:
    ids, posted = _post_ids(desk, f.post_id)
    kind = f.kind if f.kind in Item.Kind.values else None
    due_before = timezone.localdate() if f.overdue else None
    return tray, ids, posted, kind, f.priority, due_before


def items_in_tray(desk: Desk, tray: str, f: TrayFilter) -> QuerySet[Item]:
    """The items lying in one tray (inbox, parked or closed) of the desk's posts."""
    queryset = _lying_in(*_lying_in_args(desk, tray, f))
    queryset = _narrow(queryset, TrayFilter(query=f.query))
    return queryset.select_related(*TRAY_RELATED).order_by(*SORTS.get(f.sort, SORTS["newest"]))


@prepared
def _tray_total(
    tray: str,
    ids: set[int],
    posted: set[int],
    kind: str | None,
    priority: int | None,
    due_before: date | None,
) -> QuerySet[Any]:
    return totals(_lying_in(tray, ids, posted, kind, priority, due_before), n=Count("pk"))


@prepared
def _tray_slice(
    tray: str,
    ids: set[int],
    posted: set[int],
    kind: str | None,
    priority: int | None,
    due_before: date | None,
    sort: Shape,
    start: Shape,
    stop: Shape,
) -> QuerySet[Item]:
    queryset = _lying_in(tray, ids, posted, kind, priority, due_before)
    ordered = queryset.select_related(*TRAY_RELATED).order_by(*SORTS[sort.value])
    return ordered[start.value : stop.value]


class TrayRows:
    """A tray's items as the paginator reads them (a count, then one slice), each a prepared
    query: the same rows as items_in_tray without compiling its SQL on every page."""

    def __init__(self, desk: Desk, tray: str, f: TrayFilter) -> None:
        self._args = _lying_in_args(desk, tray, f)
        self._sort = Shape(f.sort if f.sort in SORTS else "newest")
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            found = _tray_total(*self._args)
            self._count = int(found[0]["n"]) if found else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Item]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, step = index.indices(self.count())
        if step != 1:
            raise ValueError("a tray is read in pages, not every n-th item")
        if stop <= start:
            return []
        return _tray_slice(*self._args, self._sort, Shape(start), Shape(stop))


def tray_rows(desk: Desk, tray: str, f: TrayFilter) -> QuerySet[Item] | TrayRows:
    """What the inbox pages through: prepared queries, or, for a search by words (a LIKE
    pattern, which cannot be prepared), items_in_tray."""
    if f.query.strip():
        return items_in_tray(desk, tray, f)
    return TrayRows(desk, tray, f)


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


@prepared
def _tray_counts(ids: set[int], posted: set[int], today: date) -> QuerySet[Any]:
    restricted = Q(grading__in=RESTRICTED_GRADINGS)
    inbox = Q(tray=Item.Tray.INBOX)
    items = Item.objects.filter(holder_post__in=ids, tray__in=["inbox", "parked", "closed"])
    return totals(
        items.filter(~restricted | Q(holder_post__in=posted)),
        inbox=Count("pk", filter=inbox),
        unread=Count(
            "pk",
            filter=inbox & Q(last_movement__isnull=False, last_movement__read_at__isnull=True),
        ),
        overdue=Count("pk", filter=inbox & Q(due_date__lt=today)),
        parked=Count("pk", filter=Q(tray=Item.Tray.PARKED)),
        closed=Count("pk", filter=Q(tray=Item.Tray.CLOSED)),
    )


def tray_counts(desk: Desk, post_id: int | None = None) -> dict[str, int]:
    """How many items lie in each tray of the desk's posts, and how many are unread or overdue.
    One query, prepared."""
    ids, posted = _post_ids(desk, post_id)
    found = _tray_counts(set(ids), set(posted), timezone.localdate())
    return found[0] if found else dict.fromkeys(TRAY_COUNTS, 0)


def is_overdue(due: date | None) -> bool:
    return due is not None and due < timezone.localdate()
