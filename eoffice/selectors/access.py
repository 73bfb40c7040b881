"""Which posts an officer acts for today, and which receipts and files they may see.

An officer sees an item only if a post they hold created it, holds it, or it passed through
that post (eoffice.models.PostAccess), or, for a receipt put in a file, through the file.
Secret and Top Secret items are seen only on posts they were marked to, by officers posted to
those posts (not delegates) and never through a file. Being the tenant administrator gives no
access to any item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from config.database.prepared import prepared
from config.tenancy import current_schema
from eoffice.models import RESTRICTED_GRADINGS, Delegation, Item, Post, PostAccess, Posting


@dataclass(frozen=True)
class Holding:
    post: Post
    via: str  # "posted", "additional charge" or "delegate"

    @property
    def is_delegation(self) -> bool:
        return self.via == "delegate"


@dataclass(frozen=True)
class Desk:
    """An officer with the posts they act for today. Built once per request (two queries)."""

    officer: User
    holdings: list[Holding] = field(default_factory=list)
    # The tenant schema the desk was built in. Its post ids name rows of that schema only; in
    # another tenant's schema the same ids are that tenant's posts, so there it acts for none.
    schema_name: str = field(default_factory=current_schema)
    # Items the desk was found to see in this request (see can_see).
    seen: set[tuple[int, bool]] = field(default_factory=set, compare=False, repr=False)

    @property
    def current_holdings(self) -> list[Holding]:
        """The holdings, when used in the schema the desk was built in; none elsewhere."""
        return self.holdings if current_schema() == self.schema_name else []

    @property
    def post_ids(self) -> set[int]:
        return {holding.post.pk for holding in self.current_holdings}

    @property
    def posted_ids(self) -> set[int]:
        """Posts held by posting or additional charge: those that may see restricted items."""
        return {holding.post.pk for holding in self.current_holdings if not holding.is_delegation}

    @property
    def posts(self) -> list[Post]:
        return [holding.post for holding in self.current_holdings]

    def holds(self, post_id: int | None) -> bool:
        return post_id in self.post_ids

    def ids_for(self, item: Item) -> set[int]:
        return self.posted_ids if item.is_restricted else self.post_ids


@prepared
def _postings(officer_id: int, on: date) -> QuerySet[Posting]:
    current = Q(from_date__lte=on) & (Q(to_date__isnull=True) | Q(to_date__gte=on))
    return (
        Posting.objects.filter(current, officer_id=officer_id)
        .select_related("post__office")
        .order_by("is_additional_charge", "post__abbreviation")
    )


@prepared
def _delegations(officer_id: int, on: date) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(
            delegate_id=officer_id, from_date__lte=on, to_date__gte=on, revoked_at__isnull=True
        )
        .select_related("post__office")
        .order_by("post__abbreviation")
    )


def desk_of(officer: User, *, on: date | None = None) -> Desk:
    on = on or timezone.localdate()
    holdings: list[Holding] = []
    seen: set[int] = set()
    for posting in _postings(officer.pk, on):
        if posting.post_id not in seen:
            seen.add(posting.post_id)
            via = "additional charge" if posting.is_additional_charge else "posted"
            holdings.append(Holding(posting.post, via))
    for delegation in _delegations(officer.pk, on):
        if delegation.post_id not in seen:
            seen.add(delegation.post_id)
            holdings.append(Holding(delegation.post, "delegate"))
    return Desk(officer=officer, holdings=holdings)


def _reached(post_ids: set[int]) -> Exists:
    return Exists(PostAccess.objects.filter(item=OuterRef("pk"), post__in=post_ids))


def visible_items(desk: Desk, queryset: QuerySet | None = None) -> QuerySet:
    """`queryset` (items, receipts or files) narrowed to what the desk may see directly."""
    queryset = Item.objects.all() if queryset is None else queryset
    if not desk.post_ids:
        return queryset.none()
    if desk.posted_ids == desk.post_ids:
        # No delegation: one test serves every grading, and PostgreSQL plans it as one join.
        return queryset.filter(_reached(desk.post_ids))
    restricted = Q(grading__in=RESTRICTED_GRADINGS)
    return queryset.filter(
        (~restricted & _reached(desk.post_ids)) | (restricted & _reached(desk.posted_ids))
    )


@prepared
def _reached_from(item_id: int, post_ids: set[int]) -> QuerySet[PostAccess, tuple[int]]:
    return PostAccess.objects.filter(item_id=item_id, post_id__in=post_ids).values_list("pk")[:1]


def can_see(desk: Desk, item: Item) -> bool:
    """Whether the desk's officer may open `item` (a receipt in a file also through the file)."""
    ids = desk.ids_for(item)
    if not ids:
        return False
    if (item.pk, item.is_restricted) in desk.seen:
        return True
    if _reached_from(item.pk, ids):
        # Access once given is never taken back (PostAccess rows are only added), so within
        # the request a yes stays a yes; a no is asked again, as an action may have given it.
        desk.seen.add((item.pk, item.is_restricted))
        return True
    if item.kind == Item.Kind.RECEIPT and not item.is_restricted:
        file_id = getattr(item, "filed_in_id", None)
        if file_id is None and hasattr(item, "receipt"):
            file_id = item.receipt.filed_in_id
        if file_id is not None:
            file_item = Item.objects.get(pk=file_id)
            return can_see(desk, file_item)
    return False


def acting_post(desk: Desk, item: Item) -> Post | None:
    """The post through which the officer acts on an item they hold, if they hold it."""
    ids = desk.ids_for(item)
    for post in desk.posts:
        if post.pk == item.holder_post_id and post.pk in ids:
            return post
    return None
