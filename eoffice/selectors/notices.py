"""Reads of the notices officers are told, and of who is told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import F, Q, QuerySet

from accounts.models import User
from eoffice.models import Notice, Post, Posting
from eoffice.selectors.org_chart import chain_above


def notices_for(officer: User) -> QuerySet[Notice]:
    """The officer's own notices, newest first, each with when it was read (`read_at`, None
    while unread)."""
    return (
        Notice.objects.filter(recipient=officer)
        .select_related("post", "officer", "actor")
        .annotate(read_at=F("read__at"))
        .order_by("-at", "-pk")
    )


def unread_count(officer: User) -> int:
    return Notice.objects.filter(recipient=officer, read__isnull=True).count()


def reporting_officers(post: Post, on: date, *, excluding: Iterable[User] = ()) -> list[User]:
    """Who is told when someone is given access to the post's work: the active officers who
    hold (by posting or additional charge, not by delegation) the nearest post above it that
    is held on `on`. At the top of the chart, or with every post above vacant, the post's own
    holders are told instead.

    Those `excluding` (the officer given access, and the administrator who gives it) are passed
    over, so an administrator who holds a post cannot make themselves the one who is told by
    moving the reporting line under it: the next post above is told."""
    passed_over = {officer.pk for officer in excluding}
    chain = chain_above(post)
    held = (
        Posting.objects.filter(post_id__in=chain, from_date__lte=on, officer__is_active=True)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=on))
        .select_related("officer")
        .order_by("is_additional_charge", "from_date", "pk")
    )
    holders: dict[int, list[User]] = {}
    for posting in held:
        if posting.officer_id not in passed_over:
            officers = holders.setdefault(posting.post_id, [])
            if posting.officer not in officers:
                officers.append(posting.officer)
    for post_id in (*chain[1:], post.pk):
        if holders.get(post_id):
            return holders[post_id]
    return []
