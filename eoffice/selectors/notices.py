"""Reads of the notices officers are told, and of who is told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from accounts.models import User
from config.database.prepared import prepared, totals
from eoffice.models import RESTRICTED_GRADINGS, Notice, Post, PostAccess, Posting
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


@prepared
def _unread(officer_id: int) -> QuerySet[Any]:
    return totals(Notice.objects.filter(recipient_id=officer_id, read__isnull=True), n=Count("pk"))


def unread_count(officer: User) -> int:
    """Shown on every page: prepared, as the page's other fixed reads are."""
    return int(_unread(officer.pk)[0]["n"])


def reporting_officers(post: Post, on: date, *, excluding: Iterable[User] = ()) -> list[User]:
    """Who is told when someone is given access to the post's work: the active officers who
    hold (by posting or additional charge, not by delegation) the nearest post above it that
    is held on `on`, and those who hold the post itself. Should nobody hold either, the
    e-office's other active administrators are told.

    Those `excluding` (the officer given access, and the administrator who gives it) are passed
    over, so an administrator who holds a post cannot make themselves the one who is told by
    moving the reporting line under it: the next post above is told; and the post's own holders
    are told whatever the reporting line, so a line moved under a post held by an account the
    administrator controls still reaches the officers whose work it is."""
    passed_over = {officer.pk for officer in excluding}
    told = _holders_above(post, on, passed_over) + _holders_of(post, on, passed_over)
    unique = list(dict.fromkeys(told))
    if unique:
        return unique
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(pk__in=passed_over)
        .order_by("pk")
    )


def reporting_line_watchers(
    post: Post, old_boss: Post | None, on: date, *, excluding: Iterable[User] = ()
) -> list[User]:
    """Who is told when the post's reporting line changes: its own holders, and the nearest
    held post above it on the old line and on the new one."""
    passed_over = {officer.pk for officer in excluding}
    told = _holders_of(post, on, passed_over) + _holders_above(post, on, passed_over)
    if old_boss is not None:
        told += _holders_of(old_boss, on, passed_over) or _holders_above(old_boss, on, passed_over)
    return list(dict.fromkeys(told))


def holds_graded_work(post: Post) -> bool:
    """Whether a Secret or Top Secret item was created by, marked to or passed through the post
    (what its holders may see)."""
    return PostAccess.objects.filter(
        post_id=post.pk, item__grading__in=RESTRICTED_GRADINGS
    ).exists()


def _holders_of(post: Post, on: date, passed_over: set[int]) -> list[User]:
    return [
        posting.officer
        for posting in _held(on).filter(post_id=post.pk)
        if posting.officer_id not in passed_over
    ]


def _held(on: date) -> QuerySet[Posting]:
    return (
        Posting.objects.filter(from_date__lte=on, officer__is_active=True)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=on))
        .select_related("officer")
        .order_by("is_additional_charge", "from_date", "pk")
    )


def _holders_above(post: Post, on: date, passed_over: set[int]) -> list[User]:
    """The holders of the nearest post above `post` that somebody (not passed over) holds."""
    chain = chain_above(post)[1:]
    holders: dict[int, list[User]] = {}
    for posting in _held(on).filter(post_id__in=chain):
        if posting.officer_id not in passed_over:
            officers = holders.setdefault(posting.post_id, [])
            if posting.officer not in officers:
                officers.append(posting.officer)
    for post_id in chain:
        if holders.get(post_id):
            return holders[post_id]
    return []
