"""Reads of the org chart and the officers of the current tenant."""

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from eoffice.models import Office, Post, Posting, SubmissionChannel


def rollup_figures() -> dict[str, int]:
    """The figures this tenant reports to the federal board (see tenants.TenantRollup)."""
    active = User.objects.filter(is_active=True)
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "officers": active.count(),
        "officers_signed_in_7d": active.filter(last_login__gte=week_ago).count(),
    }


def officer_directory() -> QuerySet[User]:
    return User.objects.filter(is_active=True).only("full_name", "email", "is_staff")


def org_chart() -> list[Office]:
    """Offices in tree order with their posts, their reporting posts and current holders.

    Four queries whatever the size of the chart.
    """
    current = Posting.objects.filter(to_date__isnull=True).select_related("officer")
    posts = Post.objects.select_related("reports_to").prefetch_related(
        Prefetch("postings", queryset=current, to_attr="current_postings")
    )
    offices = list(Office.objects.prefetch_related(Prefetch("posts", queryset=posts)))
    children: dict[int | None, list[Office]] = {}
    for office in offices:
        children.setdefault(office.parent_id, []).append(office)
    ordered: list[Office] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for office in children.get(parent_id, []):
            office.depth = depth  # type: ignore[attr-defined]
            ordered.append(office)
            walk(office.pk, depth + 1)

    walk(None, 0)
    return ordered


def submission_channels() -> QuerySet[SubmissionChannel]:
    return SubmissionChannel.objects.select_related("from_post", "to_post").order_by(
        "from_post__abbreviation", "to_post__abbreviation"
    )
