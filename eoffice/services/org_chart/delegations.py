"""Delegations: an officer acts for a post between two dates (leave, tour). A delegation is
revoked, never deleted."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from eoffice.models import Delegation, Notice, OrgChange, Post, Posting
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import day, invalid, lock_chart, recorded
from eoffice.services.org_chart.four_eyes import because, check_opening


@transaction.atomic
def delegate_post(
    *,
    post_id: int,
    delegate_id: int,
    from_date: date,
    to_date: date,
    reason: str = "",
    actor: User,
    origin: Origin,
) -> Delegation:
    """Lets an officer act for a post between two dates (leave, tour). A delegate does not see
    the post's Secret and Top Secret work (see eoffice.selectors.access). The delegation is
    created by `actor`. Four eyes (see four_eyes): never to the actor's own account, to an
    administrator's only with a `reason`, and the post's reporting officer is told."""
    lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    delegate = User.objects.filter(pk=delegate_id, is_active=True).first()
    if delegate is None:
        raise invalid("delegate_id", gettext("Choose an active officer from the list."))
    if to_date < from_date:
        raise invalid("to_date", gettext("The delegation cannot end before it begins."))
    if to_date < timezone.localdate():
        raise invalid("to_date", gettext("The delegation would already be over."))
    opening = check_opening(
        kind=Notice.Kind.DELEGATED,
        post=post,
        officer=delegate,
        actor=actor,
        reason=reason,
        field="delegate_id",
    )
    during = Q(from_date__lte=to_date) & (Q(to_date__isnull=True) | Q(to_date__gte=from_date))
    if Posting.objects.filter(during, post=post, officer=delegate).exists():
        raise invalid(
            "delegate_id",
            gettext("%(officer)s holds %(post)s during these dates; no delegation is needed."),
            officer=delegate,
            post=post,
        )
    overlapping = Delegation.objects.filter(
        post=post,
        delegate=delegate,
        revoked_at__isnull=True,
        from_date__lte=to_date,
        to_date__gte=from_date,
    ).first()
    if overlapping is not None:
        raise invalid(
            "delegate_id",
            gettext("%(officer)s already acts for %(post)s from %(start)s to %(end)s."),
            officer=delegate,
            post=post,
            start=day(overlapping.from_date),
            end=day(overlapping.to_date),
        )
    delegation = Delegation.objects.create(
        post=post,
        delegate=delegate,
        from_date=from_date,
        to_date=to_date,
        reason=opening.reason,
        created_by=actor,
    )
    opening.tell(from_date=from_date, to_date=to_date)
    recorded(
        actor,
        origin,
        OrgChange.Action.DELEGATION_CREATED,
        f"{delegate} acts for {post} from {from_date.isoformat()} to {to_date.isoformat()}"
        f"{because(opening.reason)}",
    )
    return delegation


@transaction.atomic
def revoke_delegation(*, delegation_id: int, actor: User, origin: Origin) -> Delegation:
    """Ends a delegation now; it stays on record with the time it was revoked."""
    lock_chart()
    delegation = Delegation.objects.select_for_update().get(pk=delegation_id)
    if delegation.revoked_at is not None:
        raise invalid("delegation_id", gettext("This delegation is already revoked."))
    if delegation.to_date < timezone.localdate():
        raise invalid("delegation_id", gettext("This delegation has already ended."))
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    recorded(
        actor,
        origin,
        OrgChange.Action.DELEGATION_REVOKED,
        f"Delegation of {delegation.post} to {delegation.delegate} "
        f"({delegation.from_date.isoformat()} to {delegation.to_date.isoformat()}) revoked",
    )
    return delegation
