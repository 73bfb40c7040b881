"""Writing the audit trail. Every service that acts on an item calls `record` in its own
transaction, so an action and its audit entry land together or not at all."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from eoffice.models import AuditEntry, Item, Post


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit trail."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> Origin:
        # Behind the platform's load balancer REMOTE_ADDR is the balancer; it appends the
        # client's address last to X-Forwarded-For.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR")
        return cls(address or None, request.META.get("HTTP_USER_AGENT", "")[:300])


def record(
    *,
    officer: User,
    post: Post | None,
    action: str,
    item: Item,
    origin: Origin,
    detail: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        officer=officer,
        post=post,
        action=action,
        item=item,
        detail=detail[:500],
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )


def record_refusal(*, officer: User, item_id: int, origin: Origin, what: str) -> None:
    """Records that an officer was refused an item (when it exists), for the item's history
    and for whoever reviews attempts to open what one may not see."""
    item = Item.objects.filter(pk=item_id).first()
    if item is not None:
        record(
            officer=officer,
            post=None,
            action=AuditEntry.Action.REFUSED,
            item=item,
            origin=origin,
            detail=what,
        )


@transaction.atomic
def record_view(
    *, officer: User, post: Post | None, item: Item, origin: Origin, detail: str
) -> None:
    """Records that a graded item (or one of its documents) was read."""
    record(
        officer=officer,
        post=post,
        action=AuditEntry.Action.VIEW,
        item=item,
        origin=origin,
        detail=detail,
    )
