"""Telling officers, in their e-office, that someone was given access to a post's work; and
their reading of what they are told."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.models import User
from eoffice.models import Notice, NoticeRead, Post


def tell(
    *,
    recipients: list[User],
    kind: str,
    post: Post,
    officer: User,
    actor: User,
    from_date: date,
    to_date: date | None = None,
    reason: str = "",
) -> list[Notice]:
    """One notice for each recipient, written in the caller's transaction: the change they
    tell of and the notices land together or not at all."""
    return Notice.objects.bulk_create(
        Notice(
            recipient=recipient,
            kind=kind,
            post=post,
            officer=officer,
            actor=actor,
            from_date=from_date,
            to_date=to_date,
            reason=reason,
        )
        for recipient in recipients
    )


@transaction.atomic
def mark_notices_read(*, officer: User) -> int:
    """Marks every notice of the officer read; returns how many were unread. Only their own:
    nobody marks another officer's notices."""
    unread = list(
        Notice.objects.filter(recipient=officer, read__isnull=True).values_list("pk", flat=True)
    )
    NoticeRead.objects.bulk_create(
        (NoticeRead(notice_id=pk) for pk in unread), ignore_conflicts=True
    )
    return len(unread)
