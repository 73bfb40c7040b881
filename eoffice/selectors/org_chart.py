"""Reads of the org chart and the officers of the current tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from config.database.prepared import prepared
from eoffice.models import Category, Delegation, Item, Office, Post, Posting, SubmissionChannel

# Where an item lies while work on it is pending at its holder's post.
PENDING_TRAYS = (Item.Tray.INBOX, Item.Tray.PARKED)
INDENT = "\u2003"  # an em space: sections indented under their office in a choice list


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


def org_chart() -> list[OfficeInTree]:
    """Offices in tree order with their posts, their reporting posts and current holders.

    Four queries whatever the size of the chart.
    """
    today = timezone.localdate()
    current = (
        Posting.objects.filter(from_date__lte=today)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=today))
        .select_related("officer")
    )
    posts = Post.objects.select_related("reports_to").prefetch_related(
        Prefetch("postings", queryset=current, to_attr="current_postings")
    )
    return in_tree_order(list(Office.objects.prefetch_related(Prefetch("posts", queryset=posts))))


@dataclass(frozen=True)
class OfficeInTree:
    """An office in the chart's tree order, with how deep it lies (0: a top-level office)."""

    office: Office
    depth: int


def in_tree_order(offices: list[Office]) -> list[OfficeInTree]:
    """The offices with each one's sections after it."""
    children: dict[int | None, list[Office]] = {}
    for office in offices:
        children.setdefault(office.parent_id, []).append(office)
    ordered: list[OfficeInTree] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for office in children.get(parent_id, []):
            ordered.append(OfficeInTree(office=office, depth=depth))
            walk(office.pk, depth + 1)

    walk(None, 0)
    return ordered


def submission_channels() -> QuerySet[SubmissionChannel]:
    return SubmissionChannel.objects.select_related("from_post", "to_post").order_by(
        "from_post__abbreviation", "to_post__abbreviation"
    )


# --- The tenant administrator's screens (eoffice.views.org_admin) ---------------------------


def _current_on(on: date, prefix: str = "") -> Q:
    """Postings held on `on`: begun by then, and not ended before (to_date is the last day)."""
    return Q(**{f"{prefix}from_date__lte": on}) & (
        Q(**{f"{prefix}to_date__isnull": True}) | Q(**{f"{prefix}to_date__gte": on})
    )


def _acting_on(on: date) -> Q:
    return Q(from_date__lte=on, to_date__gte=on, revoked_at__isnull=True)


def chart_for_admin(on: date) -> list[OfficeInTree]:
    """Offices in tree order; each post carries `holders` (postings held on `on`, regular
    first) and `acting` (delegations in force on `on`). Four queries whatever the chart's size."""
    holders = (
        Posting.objects.filter(_current_on(on))
        .select_related("officer")
        .order_by("is_additional_charge", "from_date")
    )
    acting = Delegation.objects.filter(_acting_on(on)).select_related("delegate")
    posts = (
        Post.objects.select_related("reports_to")
        .prefetch_related(
            Prefetch("postings", queryset=holders, to_attr="holders"),
            Prefetch("delegations", queryset=acting, to_attr="acting"),
        )
        .order_by("abbreviation")
    )
    return in_tree_order(list(Office.objects.prefetch_related(Prefetch("posts", queryset=posts))))


@dataclass(frozen=True)
class ChartFigures:
    offices: int
    posts: int
    vacant_posts: int
    officers_posted: int
    delegations_in_force: int


def chart_figures(on: date) -> ChartFigures:
    held = Posting.objects.filter(_current_on(on))
    return ChartFigures(
        offices=Office.objects.count(),
        posts=Post.objects.count(),
        vacant_posts=Post.objects.exclude(pk__in=held.values("post_id")).count(),
        officers_posted=held.values("officer_id").distinct().count(),
        delegations_in_force=Delegation.objects.filter(_acting_on(on)).count(),
    )


def office_choices(*, outside_of: Office | None = None) -> list[tuple[int, str]]:
    """Offices in tree order, indented by depth, for a choice of parent or office. With
    `outside_of`, that office and its sections are left out (it cannot move under them)."""
    ordered = in_tree_order(list(Office.objects.only("pk", "code", "name", "parent_id")))
    excluded = subtree_ids(outside_of.pk) if outside_of is not None else set()
    return [
        (node.office.pk, f"{INDENT * node.depth}{node.office.name} ({node.office.code})")
        for node in ordered
        if node.office.pk not in excluded
    ]


def subtree_ids(office_id: int) -> set[int]:
    """The office and every section under it, at any depth."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Office.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [office_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def post_choices() -> list[tuple[int, str]]:
    """Every post as (id, "abbreviation · designation"), for choosing where to send work. One
    query; the file page draws them as plain options, because a 200-post select through form
    widgets cost it a third of its time (bench/eoffice.py)."""
    return [
        (pk, f"{abbreviation} · {designation}")
        for pk, abbreviation, designation in _posts_by_abbreviation()
    ]


@prepared
def _posts_by_abbreviation() -> QuerySet[Post, tuple[int, str, str]]:
    return Post.objects.order_by("abbreviation").values_list("pk", "abbreviation", "designation")


@prepared
def _reporting_lines() -> QuerySet[Post, tuple[int, int | None]]:
    return Post.objects.values_list("pk", "reports_to_id")


def officer_choices() -> list[tuple[int, str]]:
    """Active officers, by name, shown with their e-mail (two officers may share a name)."""
    return [
        (pk, f"{full_name or email} <{email}>")
        for pk, full_name, email in User.objects.filter(is_active=True)
        .order_by("full_name", "email")
        .values_list("pk", "full_name", "email")
    ]


def office_for_admin(office_id: int) -> Office | None:
    return (
        Office.objects.select_related("parent")
        .annotate(
            post_count=Count("posts", distinct=True),
            section_count=Count("children", distinct=True),
        )
        .filter(pk=office_id)
        .first()
    )


def post_for_admin(post_id: int) -> Post | None:
    return Post.objects.select_related("office", "reports_to").filter(pk=post_id).first()


@dataclass(frozen=True)
class PostingsOfPost:
    current: list[Posting]
    upcoming: list[Posting]
    past: list[Posting]


def postings_of_post(post: Post, on: date) -> PostingsOfPost:
    """The post's postings held on `on`, those still to begin, and those ended (newest first).
    One query."""
    current, upcoming, past = [], [], []
    postings = post.postings.select_related("officer").order_by(
        "is_additional_charge", "-from_date", "-pk"
    )
    for posting in postings:
        if posting.from_date > on:
            upcoming.append(posting)
        elif posting.to_date is not None and posting.to_date < on:
            past.append(posting)
        else:
            current.append(posting)
    past.sort(key=lambda posting: (posting.to_date, posting.pk), reverse=True)
    return PostingsOfPost(current=current, upcoming=upcoming, past=past)


def posting_for_admin(posting_id: int) -> Posting | None:
    return Posting.objects.select_related("officer", "post__office").filter(pk=posting_id).first()


def _with_status(rows: QuerySet[Delegation], on: date) -> QuerySet[Delegation]:
    """Each delegation with `status` on `on`: "revoked", "ended", "in force" or "upcoming"
    (worked out by the database, so pages read it off the row)."""
    return rows.annotate(
        status=Case(
            When(revoked_at__isnull=False, then=Value("revoked")),
            When(to_date__lt=on, then=Value("ended")),
            When(from_date__lte=on, then=Value("in force")),
            default=Value("upcoming"),
            output_field=CharField(),
        )
    )


def delegations_of_post(post: Post, on: date) -> QuerySet[Delegation]:
    rows = post.delegations.select_related("delegate", "created_by")
    return _with_status(rows, on).order_by("-from_date", "-pk")


@dataclass(frozen=True)
class DelegationsList:
    in_force: list[Delegation]
    upcoming: list[Delegation]
    ended: list[Delegation]  # ended or revoked, the most recent ones


def delegations_for_admin(on: date, *, ended_limit: int = 50) -> DelegationsList:
    """Every delegation in force on `on` or still to begin, and the latest ended or revoked."""
    rows = _with_status(Delegation.objects.select_related("post", "delegate", "created_by"), on)
    live = rows.filter(revoked_at__isnull=True, to_date__gte=on).order_by("from_date", "pk")
    ended = rows.filter(Q(revoked_at__isnull=False) | Q(to_date__lt=on)).order_by(
        "-to_date", "-pk"
    )[:ended_limit]
    in_force = [delegation for delegation in live if delegation.from_date <= on]
    upcoming = [delegation for delegation in live if delegation.from_date > on]
    return DelegationsList(in_force=in_force, upcoming=upcoming, ended=list(ended))


@dataclass(frozen=True)
class PendingWork:
    receipts: int
    files: int

    @property
    def total(self) -> int:
        return self.receipts + self.files


def pending_work(post: Post) -> PendingWork:
    """How many receipts and files lie pending (with me, parked) at the post: the work its
    holder inherits. Figures only: the administrator reads no item. One query."""
    counts = Item.objects.filter(holder_post=post, tray__in=PENDING_TRAYS).aggregate(
        receipts=Count("pk", filter=Q(kind=Item.Kind.RECEIPT)),
        files=Count("pk", filter=Q(kind=Item.Kind.FILE)),
    )
    return PendingWork(receipts=counts["receipts"], files=counts["files"])


def chain_above(post: Post) -> list[int]:
    """The post and every post above it in its reporting line, nearest first."""
    chain: list[int] = [post.pk]
    reports_to = dict(_reporting_lines())
    current = reports_to.get(post.pk)
    while current is not None and current not in chain:
        chain.append(current)
        current = reports_to.get(current)
    return chain


def delegation_for_admin(delegation_id: int) -> Delegation | None:
    return Delegation.objects.select_related("post", "delegate").filter(pk=delegation_id).first()


def officer_for_admin(officer_id: int) -> User | None:
    return User.objects.filter(pk=officer_id, is_active=True).first()


def categories_for_admin() -> QuerySet[Category]:
    """Every category, those offered first."""
    return Category.objects.order_by("-is_active", "name")
