"""What every action on an item starts with: locking it and checking who acts for which post."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from eoffice.errors import Invalid, Refused
from eoffice.models import Item, Post, PostAccess
from eoffice.selectors.access import Desk, acting_post, can_see
from eoffice.services import audit
from eoffice.services.audit import Origin

ItemModel = TypeVar("ItemModel", bound=Item)

# Lazy: translated into the language of the request that raises it (convert with str()).
NOT_FOUND = gettext_lazy("There is no such receipt or file, or you may not see it.")


def lock_item(desk: Desk, item_id: int, model: type[ItemModel] = Item) -> ItemModel:  # type: ignore[assignment]  # mypy cannot see that the default, Item, is the bound
    """The item, locked until the transaction ends, if the desk may see it; Refused otherwise
    (with the same message whether it exists or not, so nothing leaks)."""
    item = (
        model.objects.select_for_update(of=("self",) if model is Item else ())
        .filter(pk=item_id)
        .first()
    )
    if item is None or not can_see(desk, item):
        raise Refused(str(NOT_FOUND))
    return item


def holder_post(desk: Desk, item: Item) -> Post:
    """The post through which the officer holds the item; Refused if it is with someone else."""
    post = acting_post(desk, item)
    if post is None:
        raise Refused(
            gettext(
                "%(reference)s is with %(post)s, not with you; "
                "only the post holding it can act on it."
            )
            % {"reference": item.reference, "post": item.holder_post.abbreviation}
        )
    return post


def desk_post(desk: Desk, post_id: int | None) -> Post:
    """One of the desk's own posts, to act for when creating something; the first by default."""
    posts = desk.posts  # none when the desk was built in another tenant's schema
    if not posts:
        raise Refused(
            gettext("You hold no post in this e-office, so you cannot register or open work.")
        )
    if post_id is None:
        return posts[0]
    for post in posts:
        if post.pk == post_id:
            return post
    raise Refused(gettext("You do not hold that post."))


def post_named(post_id: object) -> Post:
    try:
        return Post.objects.select_related("office").get(pk=int(str(post_id)))
    except (Post.DoesNotExist, TypeError, ValueError) as error:
        raise Invalid(gettext("Choose a post from the list.")) from error


def grant(item: Item, post: Post, at: datetime | None = None) -> None:
    """Lets `post` see `item` from now on (the item was created by, sent to or from it)."""
    PostAccess.objects.get_or_create(item_id=item.pk, post=post, defaults={"since": at or now()})


def now() -> datetime:
    return timezone.now()


def create_item(
    model: type[ItemModel],
    *,
    desk: Desk,
    post: Post,
    origin: Origin,
    detail: str,
    **fields: object,
) -> ItemModel:
    """A new receipt or file at `post`: created and held there, seen from there, and recorded
    in the audit trail, in the caller's transaction."""
    at = now()
    item = model.objects.create(
        created_by=desk.officer,
        created_post=post,
        created_at=at,
        holder_post=post,
        arrived_at=at,
        **fields,
    )
    grant(item, post, at)
    audit.record(
        officer=desk.officer,
        post=post,
        action=audit.AuditEntry.Action.CREATE,
        item=item,
        origin=origin,
        detail=detail,
    )
    return item
