"""Postings: an officer holds a post from a date, regularly or as additional charge, until
relieved. A posting ends; it is never deleted."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext

from accounts.invitations import Site
from accounts.models import User
from eoffice.models import Notice, OrgChange, Post, Posting
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import day, invalid, lock_chart, open_postings, recorded
from eoffice.services.org_chart.four_eyes import because, check_opening
from eoffice.services.org_chart.officers import NewOfficer, new_account, officer_for


@transaction.atomic
def post_officer(
    *,
    post_id: int,
    from_date: date,
    officer_id: int | None = None,
    new_officer: NewOfficer | None = None,
    is_additional_charge: bool = False,
    reason: str = "",
    site: Site | None = None,
    actor: User,
    origin: Origin,
) -> Posting:
    """Posts an officer (existing, or new and then invited) to a post from a date.

    A post has one regular holder at a time; to replace them use transfer_post. Any number of
    officers may hold it as additional charge besides. Pass `site` to invite a new officer.
    Four eyes (see four_eyes): never the actor's own account, an administrator's only with a
    `reason`, and the post's reporting officer is told.
    """
    lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    officer, created = officer_for(officer_id=officer_id, new_officer=new_officer, site=site)
    opening = check_opening(
        kind=Notice.Kind.ADDITIONAL_CHARGE if is_additional_charge else Notice.Kind.POSTED,
        post=post,
        officer=officer,
        actor=actor,
        reason=reason,
        field="officer_id",
    )
    postings = open_postings(post, from_date).select_related("officer")
    mine = next((p for p in postings if p.officer_id == officer.pk), None)
    if mine is not None:
        raise invalid(
            "officer_id",
            gettext("%(officer)s already holds %(post)s (from %(date)s)."),
            officer=officer,
            post=post,
            date=day(mine.from_date),
        )
    if not is_additional_charge:
        holder = next((p for p in postings if not p.is_additional_charge), None)
        if holder is not None:
            raise invalid(
                "officer_id",
                gettext(
                    "%(officer)s holds %(post)s from %(date)s. To give the post to someone "
                    "else, transfer it; or post this officer as additional charge."
                ),
                officer=holder.officer,
                post=post,
                date=day(holder.from_date),
            )
    posting = Posting.objects.create(
        officer=officer,
        post=post,
        from_date=from_date,
        is_additional_charge=is_additional_charge,
    )
    opening.tell(from_date=from_date)
    how = f"given additional charge of {post}" if is_additional_charge else f"posted to {post}"
    recorded(
        actor,
        origin,
        OrgChange.Action.OFFICER_POSTED,
        f"{officer} {how} from {from_date.isoformat()}{because(opening.reason)}"
        f"{new_account(officer, created, site)}",
    )
    return posting


def relieve(posting: Posting, on: date) -> None:
    # to_date is the last day held (see eoffice.selectors.access.desk_of), so relieving on the
    # posting's first day leaves it with no day at all: a posting cancelled, still on record.
    posting.to_date = on - timedelta(days=1)
    posting.save(update_fields=["to_date"])


@transaction.atomic
def end_posting(*, posting_id: int, relieved_on: date, actor: User, origin: Origin) -> Posting:
    """Ends a posting: from `relieved_on` the officer no longer holds the post (nor sees its
    work). The posting stays on record."""
    lock_chart()
    posting = Posting.objects.select_for_update().select_related("post").get(pk=posting_id)
    if posting.to_date is not None and posting.to_date < relieved_on:
        raise invalid(
            "relieved_on",
            gettext("This posting already ended on %(date)s."),
            date=day(posting.to_date),
        )
    if relieved_on < posting.from_date:
        raise invalid(
            "relieved_on",
            gettext("The posting began on %(date)s; the officer cannot be relieved before it."),
            date=day(posting.from_date),
        )
    relieve(posting, relieved_on)
    charge = "additional charge of " if posting.is_additional_charge else ""
    recorded(
        actor,
        origin,
        OrgChange.Action.POSTING_ENDED,
        f"{posting.officer} relieved of {charge}{posting.post} on {relieved_on.isoformat()} "
        f"(held from {posting.from_date.isoformat()})",
    )
    return posting
