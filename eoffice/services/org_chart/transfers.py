"""Transfers: a post passes to a new holder on a date, and its pending work with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from accounts.invitations import Site
from accounts.models import User
from eoffice.models import Item, Notice, OrgChange, Post, Posting
from eoffice.selectors.org_chart import PENDING_TRAYS
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import (
    day,
    invalid,
    lock_chart,
    names,
    open_postings,
    recorded,
)
from eoffice.services.org_chart.four_eyes import because, check_opening
from eoffice.services.org_chart.officers import NewOfficer, new_account, officer_for
from eoffice.services.org_chart.postings import relieve


@dataclass(frozen=True)
class Transfer:
    posting: Posting  # the new holder's
    relieved: list[Posting]
    pending_items: int  # receipts and files (with me, parked) that passed to the new holder


@transaction.atomic
def transfer_post(
    *,
    post_id: int,
    on: date,
    officer_id: int | None = None,
    new_officer: NewOfficer | None = None,
    is_additional_charge: bool = False,
    reason: str = "",
    site: Site | None = None,
    actor: User,
    origin: Origin,
) -> Transfer:
    """Gives a post to a new holder from `on`: whoever holds it (by posting or additional
    charge) is relieved that day and the new holder's posting begins.

    Receipts and files are held by the post (Item.holder_post), so every pending one passes to
    the new holder with the post, and the relieved holder no longer sees what they saw only
    through it. Nothing about the items changes. Pass `site` to invite a new officer. Four eyes
    (see four_eyes): never the actor's own account, an administrator's only with a `reason`,
    and the post's reporting officer is told.
    """
    lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    officer, created = officer_for(officer_id=officer_id, new_officer=new_officer, site=site)
    opening = check_opening(
        kind=Notice.Kind.TRANSFERRED,
        post=post,
        officer=officer,
        actor=actor,
        reason=reason,
        field="officer_id",
    )
    relieved = list(open_postings(post, on).select_related("officer").select_for_update())
    for posting in relieved:
        # Holding it the other way (additional charge, now posted to it, or back) is a change
        # of charge: that posting is relieved like the others.
        if (
            posting.officer_id == officer.pk
            and posting.is_additional_charge == is_additional_charge
        ):
            raise invalid(
                "officer_id",
                gettext("%(officer)s already holds %(post)s."),
                officer=officer,
                post=post,
            )
        if posting.from_date > on:
            raise invalid(
                "on",
                gettext(
                    "%(officer)s is posted to %(post)s from %(date)s, after this date; "
                    "transfer on a later date, or end that posting first."
                ),
                officer=posting.officer,
                post=post,
                date=day(posting.from_date),
            )
    for posting in relieved:
        relieve(posting, on)
    posting = Posting.objects.create(
        officer=officer, post=post, from_date=on, is_additional_charge=is_additional_charge
    )
    opening.tell(from_date=on)
    pending = Item.objects.filter(holder_post=post, tray__in=PENDING_TRAYS).count()
    holders = [
        f"{p.officer} (additional charge)" if p.is_additional_charge else str(p.officer)
        for p in sorted(relieved, key=lambda p: (p.is_additional_charge, p.from_date, p.pk))
    ]
    source = f"transferred from {names(holders)}" if holders else "(vacant) transferred"
    charge = " as additional charge" if is_additional_charge else ""
    passing = "pending item passes" if pending == 1 else "pending items pass"
    recorded(
        actor,
        origin,
        OrgChange.Action.POST_TRANSFERRED,
        f"{post} {source} to {officer}{charge} on {on.isoformat()}; {pending} {passing}"
        f"{because(opening.reason)}{new_account(officer, created, site)}",
    )
    return Transfer(posting=posting, relieved=relieved, pending_items=pending)
