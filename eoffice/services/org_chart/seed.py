"""The org chart an e-office opens with: the sign-up survey's tables and its first
administrator. Provisioning calls these; they are not an administrator's change and record no
OrgChange."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import create_account
from eoffice.models import Office, Post, Posting, SubmissionChannel


@dataclass(frozen=True)
class SeedCounts:
    offices: int
    posts: int
    officers: int
    channels: int

    def __str__(self) -> str:
        counts = [
            (self.offices, "office", "offices"),
            (self.posts, "post", "posts"),
            (self.officers, "officer", "officers"),
            (self.channels, "channel of submission", "channels of submission"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


@transaction.atomic
def seed_org_chart(
    *,
    offices: Iterable[dict[str, str]],
    posts: Iterable[dict[str, str]],
    officers: Iterable[dict[str, str]],
    channels: Iterable[dict[str, str]],
) -> SeedCounts:
    """Creates the org chart of CSV tables already checked (see eoffice.org_chart_csv).

    Whatever already exists under the same code, abbreviation or e-mail is kept, so running it
    again after an interruption adds only what is missing and never duplicates.
    """
    offices, posts = list(offices), list(posts)
    office_by_code = {office.code: office for office in Office.objects.all()}
    for row in offices:
        if row["code"] not in office_by_code:
            office_by_code[row["code"]] = Office.objects.create(code=row["code"], name=row["name"])
    for row in offices:
        office = office_by_code[row["code"]]
        if row.get("parent_code") and office.parent_id is None:
            office.parent = office_by_code[row["parent_code"]]
            office.save(update_fields=["parent"])

    post_by_abbreviation = {post.abbreviation: post for post in Post.objects.all()}
    for row in posts:
        if row["abbreviation"] not in post_by_abbreviation:
            post_by_abbreviation[row["abbreviation"]] = Post.objects.create(
                abbreviation=row["abbreviation"],
                designation=row["designation"],
                office=office_by_code[row["office_code"]],
            )
    for row in posts:
        post = post_by_abbreviation[row["abbreviation"]]
        if row.get("reports_to") and post.reports_to_id is None:
            post.reports_to = post_by_abbreviation[row["reports_to"]]
            post.save(update_fields=["reports_to"])

    today = timezone.localdate()
    officer_count = 0
    for row in officers:
        officer = User.objects.filter(email=row["email"].lower()).first() or create_account(
            email=row["email"], full_name=row["full_name"]
        )
        post = post_by_abbreviation[row["post"]]
        Posting.objects.get_or_create(
            officer=officer, post=post, to_date=None, defaults={"from_date": today}
        )
        officer_count += 1

    channel_count = 0
    for row in channels:
        SubmissionChannel.objects.get_or_create(
            from_post=post_by_abbreviation[row["from_post"]],
            to_post=post_by_abbreviation[row["to_post"]],
        )
        channel_count += 1
    return SeedCounts(len(offices), len(posts), officer_count, channel_count)


@transaction.atomic
def ensure_tenant_admin(*, email: str, full_name: str) -> User:
    """The tenant's administrator account (no password until the invitation is used)."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        return create_account(email=email, full_name=full_name, is_staff=True)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
