"""Writing the audit trails. Every service that acts on an item calls `record` in its own
transaction, so an action and its audit entry land together or not at all; every service that
changes the org chart or the registry's settings calls `record_org_change` the same way."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from config.client_address import client_address
from eoffice.models import AuditEntry, Item, OrgChange, Post


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit trail."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> Origin:
        # The platform's one rule: X-Forwarded-For counts only from a trusted proxy.
        return cls(client_address(request), request.META.get("HTTP_USER_AGENT", "")[:300])


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


def record_org_change(*, officer: User, action: str, summary: str, origin: Origin) -> OrgChange:
    """Records a change to the org chart or the registry's settings by an administrator.

    Called inside the transaction that makes the change, after every check has passed, so the
    change and its entry land together or not at all (a refused change records nothing).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An org change is recorded inside the transaction that makes it.")
    return OrgChange.objects.create(
        officer=officer,
        action=action,
        summary=summary[:500],
        ip_address=origin.ip_address,
        user_agent=origin.user_agent[:300],
    )
