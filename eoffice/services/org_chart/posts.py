"""Posts: created and changed. A post's holders, work and history belong to the post, not to
its name, so they stay with it whatever changes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from eoffice.models import OrgChange, Post
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import (
    check_code,
    check_text,
    invalid,
    lock_chart,
    office_required,
    post_named,
    recorded,
)
from eoffice.services.org_chart.four_eyes import tell_reporting_change


def _check_reporting(post: Post | None, boss: Post | None) -> None:
    """Refuses a reporting line that leads back to `post` (None: a post not created yet)."""
    if boss is None or post is None:
        return
    reports_to = dict(Post.objects.values_list("pk", "reports_to_id"))
    current: int | None = boss.pk
    while current is not None:
        if current == post.pk:
            raise invalid(
                "reports_to_id",
                gettext(
                    "%(boss)s reports, directly or through others, to %(post)s; a post "
                    "cannot report to itself or to one of its own subordinates."
                ),
                boss=boss,
                post=post,
            )
        current = reports_to.get(current)


@transaction.atomic
def create_post(
    *,
    abbreviation: str,
    designation: str,
    office_id: int,
    reports_to_id: int | None = None,
    actor: User,
    origin: Origin,
) -> Post:
    """A new post in an office, marked by its abbreviation (e.g. SO(Admin))."""
    lock_chart()
    abbreviation = check_code("abbreviation", abbreviation, 40)
    designation = check_text("designation", designation, 200)
    office = office_required("office_id", office_id)
    taken = Post.objects.filter(abbreviation__iexact=abbreviation).first()
    if taken is not None:
        raise invalid(
            "abbreviation", gettext("The post %(post)s already exists."), post=taken.abbreviation
        )
    boss = post_named("reports_to_id", reports_to_id)
    post = Post.objects.create(
        abbreviation=abbreviation, designation=designation, office=office, reports_to=boss
    )
    reporting = f", reporting to {boss}" if boss is not None else ""
    recorded(
        actor,
        origin,
        OrgChange.Action.POST_CREATED,
        f"Post {post}, “{designation}”, created in {office}{reporting}",
    )
    return post


@transaction.atomic
def update_post(
    *,
    post_id: int,
    abbreviation: str,
    designation: str,
    office_id: int,
    reports_to_id: int | None,
    actor: User,
    origin: Origin,
) -> Post:
    """Changes a post's marking, designation, office or reporting post. Its holders, work and
    history stay with it: they belong to the post, not to its name."""
    lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    abbreviation = check_code("abbreviation", abbreviation, 40)
    taken = Post.objects.filter(abbreviation__iexact=abbreviation).exclude(pk=post.pk).first()
    if taken is not None:
        raise invalid(
            "abbreviation", gettext("The post %(post)s already exists."), post=taken.abbreviation
        )
    boss = post_named("reports_to_id", reports_to_id)
    if boss is not None and boss.pk == post.pk:
        raise invalid("reports_to_id", gettext("A post cannot report to itself."))
    _check_reporting(post, boss)
    designation = check_text("designation", designation, 200)
    office = office_required("office_id", office_id)
    changes = []
    if abbreviation != post.abbreviation:
        changes.append(f"abbreviation from {post.abbreviation} to {abbreviation}")
    if designation != post.designation:
        changes.append(f"designation from “{post.designation}” to “{designation}”")
    if office != post.office:
        changes.append(f"office from {post.office} to {office}")
    if boss != post.reports_to:
        changes.append(f"reporting post from {post.reports_to or 'none'} to {boss or 'none'}")
    if not changes:
        return post
    old_boss = post.reports_to
    post.abbreviation = abbreviation
    post.designation = designation
    post.office = office
    post.reports_to = boss
    post.save(update_fields=["abbreviation", "designation", "office", "reports_to"])
    if boss != old_boss:
        tell_reporting_change(post=post, old_boss=old_boss, new_boss=boss, actor=actor)
    recorded(
        actor,
        origin,
        OrgChange.Action.POST_UPDATED,
        f"Post {post} updated: {'; '.join(changes)}",
    )
    return post
