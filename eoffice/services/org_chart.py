"""Changes to the org chart of the current tenant. Each function is one transaction.

Every change an administrator makes in the browser (offices, posts, postings, transfers,
delegations, imports, invitations) is recorded as an OrgChange in the same transaction, naming
the administrator (`actor`) and where the request came from (`origin`). A refused change, or
one that would change nothing, records nothing. The provisioning seed (seed_org_chart,
ensure_tenant_admin) is not an administrator's change and is not recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from accounts.services import create_account
from eoffice.models import (
    Delegation,
    Item,
    Office,
    OrgChange,
    Post,
    Posting,
    SubmissionChannel,
)
from eoffice.selectors.org_chart import PENDING_TRAYS
from eoffice.services.audit import Origin, record_org_change
from provisioning.invitation import invitation_link, tenant_url
from tenants import survey

if TYPE_CHECKING:
    from tenants.models import Tenant


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
    """Creates the org chart of an onboarding survey (already checked: see tenants.survey).

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


# --- Managing the chart in the browser (the tenant administrator's screens) -----------------
#
# Every function below is one transaction that first takes the chart's lock: each checks the
# chart as it stands (no loops, one regular holder per post), and a change committed by another
# administrator between that check and the write could otherwise slip a loop or a second holder
# in. Errors are ValidationErrors keyed by the argument at fault, so a form shows each message
# next to its field. Nothing is ever deleted: postings end, delegations are revoked.

# The survey's pattern (tenants.survey), so a code typed here can be imported and exported alike.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ()/&.,_-]*$")
INVITATION_TEMPLATE = "eoffice/manage/email/invitation.txt"


def _lock_chart() -> None:
    """Serialises changes to this tenant's org chart (the lock is per schema, held until the
    transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.org_chart'))")


def _invalid(field: str, message: str, **params: object) -> ValidationError:
    return ValidationError({field: ValidationError(message % params if params else message)})


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _recorded(actor: User, origin: Origin, action: str, summary: str) -> None:
    record_org_change(officer=actor, action=action, summary=summary, origin=origin)


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _names(names: list[str]) -> str:
    """English enumeration: "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check_code(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise _invalid(field, gettext("This field is required."))
    if len(value) > limit:
        raise _invalid(field, gettext("At most %(limit)d characters."), limit=limit)
    if not CODE_PATTERN.match(value):
        raise _invalid(
            field,
            gettext(
                "Use letters, digits, spaces and ( ) / & . , _ - only, starting with a letter "
                "or digit."
            ),
        )
    return value


def _check_text(field: str, value: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise _invalid(field, gettext("This field is required."))
    if len(value) > limit:
        raise _invalid(field, gettext("At most %(limit)d characters."), limit=limit)
    return value


def _office(field: str, office_id: int | None) -> Office | None:
    if office_id is None:
        return None
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        raise _invalid(field, gettext("Choose an office from the list."))
    return office


def _post(field: str, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    post = Post.objects.select_related("office").filter(pk=post_id).first()
    if post is None:
        raise _invalid(field, gettext("Choose a post from the list."))
    return post


def _placed(parent: Office | None, top: str = "at the top") -> str:
    return f"under {parent}" if parent is not None else top


@transaction.atomic
def create_office(
    *, code: str, name: str, parent_id: int | None = None, actor: User, origin: Origin
) -> Office:
    """A new office, at the top or as a section under `parent_id`. Its code never changes (file
    numbers carry it)."""
    _lock_chart()
    code = _check_code("code", code, 30)
    name = _check_text("name", name, 200)
    taken = Office.objects.filter(code__iexact=code).first()
    if taken is not None:
        raise _invalid("code", gettext("%(office)s already has this code."), office=taken)
    parent = _office("parent_id", parent_id)
    office = Office.objects.create(code=code, name=name, parent=parent)
    _recorded(
        actor, origin, OrgChange.Action.OFFICE_CREATED, f"Office {office} created {_placed(parent)}"
    )
    return office


@transaction.atomic
def rename_office(*, office_id: int, name: str, actor: User, origin: Origin) -> Office:
    _lock_chart()
    office = Office.objects.select_for_update().get(pk=office_id)
    old_name, new_name = office.name, _check_text("name", name, 200)
    if new_name == old_name:
        return office
    office.name = new_name
    office.save(update_fields=["name"])
    _recorded(
        actor,
        origin,
        OrgChange.Action.OFFICE_RENAMED,
        f"Office {office.code} renamed from “{old_name}” to “{new_name}”",
    )
    return office


@transaction.atomic
def move_office(*, office_id: int, parent_id: int | None, actor: User, origin: Origin) -> Office:
    """Places the office (with its sections and posts) under another office, or at the top.

    Refused if the new parent is the office itself or one of its own sections: the tree would
    loop."""
    _lock_chart()
    office = Office.objects.select_for_update().get(pk=office_id)
    old_parent = office.parent
    parent = _office("parent_id", parent_id)
    if parent is not None:
        parent_of = dict(Office.objects.values_list("pk", "parent_id"))
        current: int | None = parent.pk
        while current is not None:
            if current == office.pk:
                raise _invalid(
                    "parent_id",
                    gettext(
                        "%(parent)s lies inside %(office)s; an office cannot be moved "
                        "under itself or one of its own sections."
                    ),
                    parent=parent,
                    office=office,
                )
            current = parent_of.get(current)
    if office.parent_id == (parent.pk if parent is not None else None):
        return office
    office.parent = parent
    office.save(update_fields=["parent"])
    _recorded(
        actor,
        origin,
        OrgChange.Action.OFFICE_MOVED,
        f"Office {office} moved from {_placed(old_parent, 'the top')} "
        f"to {_placed(parent, 'the top')}",
    )
    return office


def _check_reporting(post: Post | None, boss: Post | None) -> None:
    """Refuses a reporting line that leads back to `post` (None: a post not created yet)."""
    if boss is None or post is None:
        return
    reports_to = dict(Post.objects.values_list("pk", "reports_to_id"))
    current: int | None = boss.pk
    while current is not None:
        if current == post.pk:
            raise _invalid(
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
    _lock_chart()
    abbreviation = _check_code("abbreviation", abbreviation, 40)
    designation = _check_text("designation", designation, 200)
    office = _office("office_id", office_id)
    taken = Post.objects.filter(abbreviation__iexact=abbreviation).first()
    if taken is not None:
        raise _invalid(
            "abbreviation", gettext("The post %(post)s already exists."), post=taken.abbreviation
        )
    boss = _post("reports_to_id", reports_to_id)
    post = Post.objects.create(
        abbreviation=abbreviation, designation=designation, office=office, reports_to=boss
    )
    reporting = f", reporting to {boss}" if boss is not None else ""
    _recorded(
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
    _lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    abbreviation = _check_code("abbreviation", abbreviation, 40)
    taken = Post.objects.filter(abbreviation__iexact=abbreviation).exclude(pk=post.pk).first()
    if taken is not None:
        raise _invalid(
            "abbreviation", gettext("The post %(post)s already exists."), post=taken.abbreviation
        )
    boss = _post("reports_to_id", reports_to_id)
    if boss is not None and boss.pk == post.pk:
        raise _invalid("reports_to_id", gettext("A post cannot report to itself."))
    _check_reporting(post, boss)
    designation = _check_text("designation", designation, 200)
    office = _office("office_id", office_id)
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
    post.abbreviation = abbreviation
    post.designation = designation
    post.office = office
    post.reports_to = boss
    post.save(update_fields=["abbreviation", "designation", "office", "reports_to"])
    _recorded(
        actor,
        origin,
        OrgChange.Action.POST_UPDATED,
        f"Post {post} updated: {'; '.join(changes)}",
    )
    return post


@dataclass(frozen=True)
class NewOfficer:
    """An officer not yet in the e-office: an account is made and invited by e-mail."""

    full_name: str
    email: str


@transaction.atomic
def send_officer_invitation(*, tenant: Tenant, officer: User, actor: User, origin: Origin) -> None:
    """E-mails the officer (again) a link to set their password, and records that the
    administrator sent it. A mail server that is down or refuses raises OSError, and then
    nothing is recorded."""
    _recorded(
        actor,
        origin,
        OrgChange.Action.INVITATION_SENT,
        f"Invitation to set a password sent to {officer} <{officer.email}>",
    )
    _mail_invitation(tenant, officer)


def _mail_invitation(tenant: Tenant, officer: User) -> None:
    """E-mails the officer a link to set their password on the tenant's own host (the caller is
    inside the tenant's schema: the token hashes the password and last login there)."""
    with translation.override(officer.language or settings.LANGUAGE_CODE):
        context = {
            "tenant": tenant,
            "user": officer,
            "link": invitation_link(tenant, officer),
            "sign_in": tenant_url(tenant, "/accounts/login/"),
            "platform_name": settings.PLATFORM_NAME,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject = gettext("[%(platform)s] You are invited to the e-office of %(tenant)s") % {
            "platform": settings.PLATFORM_NAME,
            "tenant": tenant.name,
        }
        send_mail(
            subject=subject,
            message=render_to_string(INVITATION_TEMPLATE, context),
            from_email=None,
            recipient_list=[officer.email],
        )


def _invite_after_commit(tenant: Tenant, officer: User) -> None:
    # After commit: the officer must exist when the link is used, and a mail server that is down
    # must not undo the posting (the administrator can send the invitation again).
    # The posting's own OrgChange says that the new officer is invited.
    transaction.on_commit(lambda: _mail_invitation(tenant, officer), robust=True)


def _officer(
    *, officer_id: int | None, new_officer: NewOfficer | None, tenant: Tenant | None
) -> tuple[User, bool]:
    """The officer named by id, or a new account (invited once the transaction commits)."""
    if (officer_id is None) == (new_officer is None):
        raise _invalid(
            "officer_id",
            gettext("Choose an officer of the e-office, or give a new officer's name and e-mail."),
        )
    if officer_id is not None:
        officer = User.objects.filter(pk=officer_id, is_active=True).first()
        if officer is None:
            raise _invalid("officer_id", gettext("Choose an active officer from the list."))
        return officer, False
    assert new_officer is not None  # one of the two is given, checked above
    full_name = _check_text("full_name", new_officer.full_name, 150)
    email = new_officer.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise _invalid("email", gettext("Enter a valid e-mail address.")) from error
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        raise _invalid(
            "email",
            gettext(
                "%(name)s already has an account with this e-mail; choose them from the "
                "list of officers."
            ),
            name=existing.full_name or existing.email,
        )
    officer = create_account(email=email, full_name=full_name)
    if tenant is not None:
        _invite_after_commit(tenant, officer)
    return officer, True


def _open_postings(post: Post, on: date) -> QuerySet[Posting]:
    """The post's postings that have not ended before `on` (current or still to begin)."""
    return Posting.objects.filter(post=post).filter(Q(to_date__isnull=True) | Q(to_date__gte=on))


@transaction.atomic
def post_officer(
    *,
    post_id: int,
    from_date: date,
    officer_id: int | None = None,
    new_officer: NewOfficer | None = None,
    is_additional_charge: bool = False,
    tenant: Tenant | None = None,
    actor: User,
    origin: Origin,
) -> Posting:
    """Posts an officer (existing, or new and then invited) to a post from a date.

    A post has one regular holder at a time; to replace them use transfer_post. Any number of
    officers may hold it as additional charge besides. Pass `tenant` to invite a new officer.
    """
    _lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    officer, created = _officer(officer_id=officer_id, new_officer=new_officer, tenant=tenant)
    open_postings = _open_postings(post, from_date).select_related("officer")
    mine = next((p for p in open_postings if p.officer_id == officer.pk), None)
    if mine is not None:
        raise _invalid(
            "officer_id",
            gettext("%(officer)s already holds %(post)s (from %(date)s)."),
            officer=officer,
            post=post,
            date=_day(mine.from_date),
        )
    if not is_additional_charge:
        holder = next((p for p in open_postings if not p.is_additional_charge), None)
        if holder is not None:
            raise _invalid(
                "officer_id",
                gettext(
                    "%(officer)s holds %(post)s from %(date)s. To give the post to someone "
                    "else, transfer it; or post this officer as additional charge."
                ),
                officer=holder.officer,
                post=post,
                date=_day(holder.from_date),
            )
    posting = Posting.objects.create(
        officer=officer,
        post=post,
        from_date=from_date,
        is_additional_charge=is_additional_charge,
    )
    how = f"given additional charge of {post}" if is_additional_charge else f"posted to {post}"
    _recorded(
        actor,
        origin,
        OrgChange.Action.OFFICER_POSTED,
        f"{officer} {how} from {from_date.isoformat()}{_new_account(officer, created, tenant)}",
    )
    return posting


def _new_account(officer: User, created: bool, tenant: Tenant | None) -> str:
    if not created:
        return ""
    invited = ", invited by e-mail" if tenant is not None else ""
    return f"; new account {officer.email}{invited}"


def _relieve(posting: Posting, on: date) -> None:
    # to_date is the last day held (see eoffice.selectors.access.desk_of), so relieving on the
    # posting's first day leaves it with no day at all: a posting cancelled, still on record.
    posting.to_date = on - timedelta(days=1)
    posting.save(update_fields=["to_date"])


@transaction.atomic
def end_posting(*, posting_id: int, relieved_on: date, actor: User, origin: Origin) -> Posting:
    """Ends a posting: from `relieved_on` the officer no longer holds the post (nor sees its
    work). The posting stays on record."""
    _lock_chart()
    posting = Posting.objects.select_for_update().select_related("post").get(pk=posting_id)
    if posting.to_date is not None and posting.to_date < relieved_on:
        raise _invalid(
            "relieved_on",
            gettext("This posting already ended on %(date)s."),
            date=_day(posting.to_date),
        )
    if relieved_on < posting.from_date:
        raise _invalid(
            "relieved_on",
            gettext("The posting began on %(date)s; the officer cannot be relieved before it."),
            date=_day(posting.from_date),
        )
    _relieve(posting, relieved_on)
    charge = "additional charge of " if posting.is_additional_charge else ""
    _recorded(
        actor,
        origin,
        OrgChange.Action.POSTING_ENDED,
        f"{posting.officer} relieved of {charge}{posting.post} on {relieved_on.isoformat()} "
        f"(held from {posting.from_date.isoformat()})",
    )
    return posting


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
    tenant: Tenant | None = None,
    actor: User,
    origin: Origin,
) -> Transfer:
    """Gives a post to a new holder from `on`: whoever holds it (by posting or additional
    charge) is relieved that day and the new holder's posting begins.

    Receipts and files are held by the post (Item.holder_post), so every pending one passes to
    the new holder with the post, and the relieved holder no longer sees what they saw only
    through it. Nothing about the items changes.
    """
    _lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    officer, created = _officer(officer_id=officer_id, new_officer=new_officer, tenant=tenant)
    relieved = list(_open_postings(post, on).select_related("officer").select_for_update())
    for posting in relieved:
        # Holding it the other way (additional charge, now posted to it, or back) is a change
        # of charge: that posting is relieved like the others.
        if (
            posting.officer_id == officer.pk
            and posting.is_additional_charge == is_additional_charge
        ):
            raise _invalid(
                "officer_id",
                gettext("%(officer)s already holds %(post)s."),
                officer=officer,
                post=post,
            )
        if posting.from_date > on:
            raise _invalid(
                "on",
                gettext(
                    "%(officer)s is posted to %(post)s from %(date)s, after this date; "
                    "transfer on a later date, or end that posting first."
                ),
                officer=posting.officer,
                post=post,
                date=_day(posting.from_date),
            )
    for posting in relieved:
        _relieve(posting, on)
    posting = Posting.objects.create(
        officer=officer, post=post, from_date=on, is_additional_charge=is_additional_charge
    )
    pending = Item.objects.filter(holder_post=post, tray__in=PENDING_TRAYS).count()
    holders = [
        f"{p.officer} (additional charge)" if p.is_additional_charge else str(p.officer)
        for p in sorted(relieved, key=lambda p: (p.is_additional_charge, p.from_date, p.pk))
    ]
    source = f"transferred from {_names(holders)}" if holders else "(vacant) transferred"
    charge = " as additional charge" if is_additional_charge else ""
    passing = "pending item passes" if pending == 1 else "pending items pass"
    _recorded(
        actor,
        origin,
        OrgChange.Action.POST_TRANSFERRED,
        f"{post} {source} to {officer}{charge} on {on.isoformat()}; {pending} {passing}"
        f"{_new_account(officer, created, tenant)}",
    )
    return Transfer(posting=posting, relieved=relieved, pending_items=pending)


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
    created by `actor`."""
    _lock_chart()
    post = Post.objects.select_for_update().get(pk=post_id)
    delegate = User.objects.filter(pk=delegate_id, is_active=True).first()
    if delegate is None:
        raise _invalid("delegate_id", gettext("Choose an active officer from the list."))
    if to_date < from_date:
        raise _invalid("to_date", gettext("The delegation cannot end before it begins."))
    if to_date < timezone.localdate():
        raise _invalid("to_date", gettext("The delegation would already be over."))
    reason = " ".join(reason.split())
    if len(reason) > 200:
        raise _invalid("reason", gettext("At most %(limit)d characters."), limit=200)
    during = Q(from_date__lte=to_date) & (Q(to_date__isnull=True) | Q(to_date__gte=from_date))
    if Posting.objects.filter(during, post=post, officer=delegate).exists():
        raise _invalid(
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
        raise _invalid(
            "delegate_id",
            gettext("%(officer)s already acts for %(post)s from %(start)s to %(end)s."),
            officer=delegate,
            post=post,
            start=_day(overlapping.from_date),
            end=_day(overlapping.to_date),
        )
    delegation = Delegation.objects.create(
        post=post,
        delegate=delegate,
        from_date=from_date,
        to_date=to_date,
        reason=reason,
        created_by=actor,
    )
    because = f"; reason: {reason}" if reason else ""
    _recorded(
        actor,
        origin,
        OrgChange.Action.DELEGATION_CREATED,
        f"{delegate} acts for {post} from {from_date.isoformat()} to {to_date.isoformat()}"
        f"{because}",
    )
    return delegation


@transaction.atomic
def revoke_delegation(*, delegation_id: int, actor: User, origin: Origin) -> Delegation:
    """Ends a delegation now; it stays on record with the time it was revoked."""
    _lock_chart()
    delegation = Delegation.objects.select_for_update().get(pk=delegation_id)
    if delegation.revoked_at is not None:
        raise _invalid("delegation_id", gettext("This delegation is already revoked."))
    if delegation.to_date < timezone.localdate():
        raise _invalid("delegation_id", gettext("This delegation has already ended."))
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    _recorded(
        actor,
        origin,
        OrgChange.Action.DELEGATION_REVOKED,
        f"Delegation of {delegation.post} to {delegation.delegate} "
        f"({delegation.from_date.isoformat()} to {delegation.to_date.isoformat()}) revoked",
    )
    return delegation


# --- Importing offices, posts, officers and channels from CSV (the sign-up survey's tables) ---


class Change:
    """What applying an import does to one line's record."""

    NEW = "new"  # created (for an officer line: posted, and a new account invited)
    UPDATE = "update"  # exists; its missing parent office or reporting post is filled in
    KEPT = "kept"  # exists and differs; kept as it is (an import never rearranges the chart)
    SAME = "same"  # already in place


@dataclass(frozen=True)
class PlannedRow:
    line: int
    label: str
    change: str
    note: str = ""


@dataclass
class ImportPlan:
    """Checked tables (in the survey's row format) and what applying them changes, by line."""

    offices: list[survey.Row] = field(default_factory=list)
    posts: list[survey.Row] = field(default_factory=list)
    officers: list[survey.Row] = field(default_factory=list)
    channels: list[survey.Row] = field(default_factory=list)
    lines: dict[str, list[PlannedRow]] = field(default_factory=dict)
    new_accounts: list[str] = field(default_factory=list)  # e-mails of officers to invite

    def count(self, table: str, *changes: str) -> int:
        return sum(1 for row in self.lines.get(table, []) if row.change in changes)

    @property
    def changes(self) -> int:
        return sum(self.count(table, Change.NEW, Change.UPDATE) for table in self.lines)

    @property
    def unchanged(self) -> int:
        return sum(self.count(table, Change.SAME, Change.KEPT) for table in self.lines)


class _Problems:
    def __init__(self) -> None:
        self.by_table: dict[str, list[str]] = {}

    def add(self, table: str, line: int, message: str, **params: object) -> None:
        text = gettext("Line %(line)d: %(problem)s") % {"line": line, "problem": message % params}
        self.by_table.setdefault(table, []).append(text)

    def extend(self, table: str, error: ValidationError) -> None:
        self.by_table.setdefault(table, []).extend(error.messages)

    def has(self, *tables: str) -> bool:
        return any(self.by_table.get(table) for table in tables)


def _parsed(table: survey.Table, text: str, problems: _Problems) -> list[survey.ParsedRow]:
    if not text.strip():
        return []
    try:
        return survey.parse(table, text)
    except ValidationError as error:
        problems.extend(table.name, error)
        return []


def _without_known_references(
    rows: list[survey.ParsedRow], column: str, listed: set[str], existing: set[str]
) -> list[survey.ParsedRow]:
    """The rows with references to records the e-office already has blanked out, so the
    survey's checks (which know only the uploaded tables) accept them."""
    return [
        survey.ParsedRow(row.line, {**row.values, column: ""})
        if row.values[column]
        and row.values[column] not in listed
        and row.values[column] in existing
        else row
        for row in rows
    ]


def _loops(
    rows: list[survey.ParsedRow], key: str, parent_of: dict[str, str | None]
) -> list[survey.ParsedRow]:
    """The rows whose chain of parents (as the chart will be) comes back to themselves."""
    looping = []
    for row in rows:
        start, current, steps = row.values[key], parent_of.get(row.values[key]), 0
        while current and steps <= len(parent_of):
            if current == start:
                looping.append(row)
                break
            current, steps = parent_of.get(current), steps + 1
    return looping


def _check_hierarchy(
    rows: list[survey.ParsedRow],
    *,
    table: str,
    key: str,
    above: str,
    existing_above: dict[str, str | None],
    capitals: str,
    loop: str,
    problems: _Problems,
) -> None:
    """The checks offices and posts share once merged with the chart the e-office has: a new
    name that differs from an existing one only in capitals, and a loop in the tree (`above`:
    the parent office or the reporting post). An existing link is kept, as the import keeps
    it, so only rows that add one can close a loop."""
    lower = {name.lower(): name for name in existing_above}
    merged = dict(existing_above)
    for row in rows:
        name, parent = row.values[key], row.values[above] or None
        if name not in existing_above and name.lower() in lower:
            problems.add(table, row.line, capitals, name=name, existing=lower[name.lower()])
        if name not in existing_above or existing_above[name] is None:
            merged[name] = parent
    for row in _loops(rows, key, merged):
        problems.add(table, row.line, loop, name=row.values[key])


def _check_offices(rows: list[survey.ParsedRow], problems: _Problems, plan: ImportPlan) -> None:
    existing = {
        code: (name, parent)
        for code, name, parent in Office.objects.values_list("code", "name", "parent__code")
    }
    listed = {row.values["code"] for row in rows}
    try:
        survey.check_offices(_without_known_references(rows, "parent_code", listed, set(existing)))
    except ValidationError as error:
        problems.extend("offices", error)
        return
    _check_hierarchy(
        rows,
        table="offices",
        key="code",
        above="parent_code",
        existing_above={code: parent for code, (_, parent) in existing.items()},
        capitals=gettext(
            "office “%(name)s” differs only in capitals from the existing "
            "“%(existing)s”; spell it the same way."
        ),
        loop=gettext(
            "office “%(name)s” would be above itself (a loop through the offices the "
            "e-office already has)."
        ),
        problems=problems,
    )
    if problems.has("offices"):
        return
    planned = []
    for row in rows:
        code, name, parent = row.values["code"], row.values["name"], row.values["parent_code"]
        label = f"{code} · {name}"
        if code not in existing:
            planned.append(PlannedRow(row.line, label, Change.NEW))
            continue
        old_name, old_parent = existing[code]
        notes = []
        if old_name != name:
            notes.append(gettext("keeps its name “%(name)s”") % {"name": old_name})
        if old_parent and old_parent != parent:
            notes.append(gettext("stays under %(parent)s") % {"parent": old_parent})
        if notes:
            planned.append(PlannedRow(row.line, label, Change.KEPT, "; ".join(notes)))
        elif parent and old_parent is None:
            note = gettext("is placed under %(parent)s") % {"parent": parent}
            planned.append(PlannedRow(row.line, label, Change.UPDATE, note))
        else:
            planned.append(PlannedRow(row.line, label, Change.SAME))
    plan.offices = [row.values for row in rows]
    plan.lines["offices"] = planned


def _check_posts(
    rows: list[survey.ParsedRow], office_codes: set[str], problems: _Problems, plan: ImportPlan
) -> None:
    existing = {
        abbreviation: (designation, office, boss)
        for abbreviation, designation, office, boss in Post.objects.values_list(
            "abbreviation", "designation", "office__code", "reports_to__abbreviation"
        )
    }
    listed = {row.values["abbreviation"] for row in rows}
    try:
        survey.check_posts(
            _without_known_references(rows, "reports_to", listed, set(existing)),
            office_codes=office_codes | set(Office.objects.values_list("code", flat=True)),
        )
    except ValidationError as error:
        problems.extend("posts", error)
        return
    _check_hierarchy(
        rows,
        table="posts",
        key="abbreviation",
        above="reports_to",
        existing_above={post: boss for post, (_, _, boss) in existing.items()},
        capitals=gettext(
            "post “%(name)s” differs only in capitals from the existing "
            "“%(existing)s”; spell it the same way."
        ),
        loop=gettext(
            "post “%(name)s” would report to itself (a loop through the posts the "
            "e-office already has)."
        ),
        problems=problems,
    )
    if problems.has("posts"):
        return
    planned = []
    for row in rows:
        values = row.values
        abbreviation, boss = values["abbreviation"], values["reports_to"]
        label = f"{abbreviation} · {values['designation']}"
        if abbreviation not in existing:
            planned.append(PlannedRow(row.line, label, Change.NEW))
            continue
        old_designation, old_office, old_boss = existing[abbreviation]
        notes = []
        if old_designation != values["designation"]:
            notes.append(gettext("keeps its designation “%(old)s”") % {"old": old_designation})
        if old_office != values["office_code"]:
            notes.append(gettext("stays in %(office)s") % {"office": old_office})
        if old_boss and old_boss != boss:
            notes.append(gettext("still reports to %(post)s") % {"post": old_boss})
        if notes:
            planned.append(PlannedRow(row.line, label, Change.KEPT, "; ".join(notes)))
        elif boss and old_boss is None:
            note = gettext("will report to %(post)s") % {"post": boss}
            planned.append(PlannedRow(row.line, label, Change.UPDATE, note))
        else:
            planned.append(PlannedRow(row.line, label, Change.SAME))
    plan.posts = [row.values for row in rows]
    plan.lines["posts"] = planned


def _check_officers(
    rows: list[survey.ParsedRow], posts: set[str], problems: _Problems, plan: ImportPlan
) -> None:
    try:
        checked = survey.check_officers(rows, posts=posts)
    except ValidationError as error:
        problems.extend("officers", error)
        return
    today = timezone.localdate()
    accounts = {
        user.email: user
        for user in User.objects.filter(email__in=[values["email"] for values in checked])
    }
    open_postings = (
        Posting.objects.filter(post__abbreviation__in=[values["post"] for values in checked])
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=today))
        .select_related("officer", "post")
    )
    holders: dict[str, list[Posting]] = {}
    for posting in open_postings:
        holders.setdefault(posting.post.abbreviation, []).append(posting)
    planned = []
    for row, values in zip(rows, checked, strict=True):
        account = accounts.get(values["email"])
        label = f"{values['full_name']} <{values['email']}> · {values['post']}"
        if account is not None and not account.is_active:
            problems.add(
                "officers",
                row.line,
                gettext("the account of %(email)s is deactivated."),
                email=values["email"],
            )
            continue
        postings = holders.get(values["post"], [])
        if account is not None and any(p.officer_id == account.pk for p in postings):
            planned.append(PlannedRow(row.line, label, Change.SAME))
            continue
        regular = next((p for p in postings if not p.is_additional_charge), None)
        if regular is not None:
            problems.add(
                "officers",
                row.line,
                gettext(
                    "post “%(post)s” is held by %(officer)s; transfer it on the post's page "
                    "to change its holder."
                ),
                post=values["post"],
                officer=regular.officer,
            )
            continue
        if account is None:
            plan.new_accounts.append(values["email"])
            note = gettext("a new account, invited by e-mail, posted from today")
        else:
            note = gettext("posted from today")
        planned.append(PlannedRow(row.line, label, Change.NEW, note))
    plan.officers = checked
    plan.lines["officers"] = planned


def _check_channels(
    rows: list[survey.ParsedRow], posts: set[str], problems: _Problems, plan: ImportPlan
) -> None:
    try:
        checked = survey.check_channels(rows, posts=posts)
    except ValidationError as error:
        problems.extend("channels", error)
        return
    existing = set(
        SubmissionChannel.objects.values_list("from_post__abbreviation", "to_post__abbreviation")
    )
    plan.channels = checked
    plan.lines["channels"] = [
        PlannedRow(
            row.line,
            f"{values['from_post']} → {values['to_post']}",
            Change.SAME if (values["from_post"], values["to_post"]) in existing else Change.NEW,
        )
        for row, values in zip(rows, checked, strict=True)
    ]


def check_import(
    *, offices: str = "", posts: str = "", officers: str = "", channels: str = ""
) -> ImportPlan:
    """Checks CSV tables in the sign-up survey's format (tenants.survey) against each other and
    against the chart the e-office already has: a reference may name an office or post that
    exists. Returns what applying them would change, line by line.

    Raises ValidationError keyed by table name ("offices" …) with every problem of every table,
    each message starting with its line number.
    """
    problems = _Problems()
    rows = {
        table.name: _parsed(table, text, problems)
        for table, text in (
            (survey.OFFICES, offices),
            (survey.POSTS, posts),
            (survey.OFFICERS, officers),
            (survey.CHANNELS, channels),
        )
    }
    if not problems.by_table and not any(rows.values()):
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext("Nothing to import: every table is empty.")}
        )
    plan = ImportPlan()
    if rows["offices"]:
        _check_offices(rows["offices"], problems, plan)
    if rows["posts"]:
        codes = {row.values["code"] for row in rows["offices"]}
        _check_posts(rows["posts"], codes, problems, plan)
    known_posts = {row.values["abbreviation"] for row in rows["posts"]} | set(
        Post.objects.values_list("abbreviation", flat=True)
    )
    if rows["officers"]:
        _check_officers(rows["officers"], known_posts, problems, plan)
    if rows["channels"]:
        _check_channels(rows["channels"], known_posts, problems, plan)
    if problems.by_table:
        raise ValidationError(problems.by_table)
    return plan


@transaction.atomic
def import_org_chart(
    *,
    offices: str = "",
    posts: str = "",
    officers: str = "",
    channels: str = "",
    tenant: Tenant | None = None,
    actor: User,
    origin: Origin,
) -> ImportPlan:
    """Applies CSV tables (see check_import) all together or not at all.

    Like seed_org_chart it only adds: what exists is kept (a missing parent office or reporting
    post is filled in), so applying the same tables again changes nothing. A listed officer
    without an account gets one and, given `tenant`, an invitation e-mail; a listed officer is
    posted from today unless they already hold the post. Tables that change nothing record
    nothing.
    """
    _lock_chart()
    plan = check_import(offices=offices, posts=posts, officers=officers, channels=channels)
    seed_org_chart(offices=plan.offices, posts=plan.posts, officers=[], channels=plan.channels)
    today = timezone.localdate()
    for values in plan.officers:
        officer = User.objects.filter(email=values["email"]).first()
        if officer is None:
            officer = create_account(email=values["email"], full_name=values["full_name"])
            if tenant is not None:
                _invite_after_commit(tenant, officer)
        post = Post.objects.get(abbreviation=values["post"])
        if not _open_postings(post, today).filter(officer=officer).exists():
            Posting.objects.create(officer=officer, post=post, from_date=today)
    if plan.changes:
        _recorded(actor, origin, OrgChange.Action.CHART_IMPORTED, _import_summary(plan, tenant))
    return plan


def _import_summary(plan: ImportPlan, tenant: Tenant | None) -> str:
    """E.g. "Chart imported from CSV: 2 offices added, 2 posts added, 2 officers posted (1 new
    account, invited by e-mail) and 2 channels of submission added; 3 lines already in place or
    kept"."""
    parts = []
    if added := plan.count("offices", Change.NEW):
        parts.append(f"{_counted(added, 'office', 'offices')} added")
    if placed := plan.count("offices", Change.UPDATE):
        parts.append(f"{_counted(placed, 'office', 'offices')} placed under a parent office")
    if added := plan.count("posts", Change.NEW):
        parts.append(f"{_counted(added, 'post', 'posts')} added")
    if bosses := plan.count("posts", Change.UPDATE):
        parts.append(f"{_counted(bosses, 'post', 'posts')} given a reporting post")
    if posted := plan.count("officers", Change.NEW):
        accounts = ""
        if plan.new_accounts:
            invited = ", invited by e-mail" if tenant is not None else ""
            new = _counted(len(plan.new_accounts), "new account", "new accounts")
            accounts = f" ({new}{invited})"
        parts.append(f"{_counted(posted, 'officer', 'officers')} posted{accounts}")
    if added := plan.count("channels", Change.NEW):
        channels = _counted(added, "channel of submission", "channels of submission")
        parts.append(f"{channels} added")
    summary = f"Chart imported from CSV: {_names(parts)}"
    if plan.unchanged:
        summary += f"; {_counted(plan.unchanged, 'line', 'lines')} already in place or kept"
    return summary
