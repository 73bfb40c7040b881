"""Four eyes on whatever opens a post's work to someone (a posting, an additional charge, a
transfer, a delegation).

Being administrator gives no access to content, so an administrator can never give their own
account a post: another administrator must, and giving any administrator a post needs a reason.
Each such change is told to the post's reporting officer in their e-office (eoffice.Notice), so
nothing that opens a post's work to someone happens unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from eoffice.models import Notice, Post
from eoffice.selectors.notices import (
    holds_graded_work,
    reporting_line_watchers,
    reporting_officers,
)
from eoffice.services import notices
from eoffice.services.org_chart.checks import invalid

REASON_LIMIT = 200
_OWN_ACCOUNT: dict[str, Promise] = {
    Notice.Kind.POSTED: gettext_lazy(
        "You cannot post yourself: being administrator gives no access to the work of a post. "
        "Another administrator must post you, and give the reason."
    ),
    Notice.Kind.ADDITIONAL_CHARGE: gettext_lazy(
        "You cannot give yourself additional charge of a post: being administrator gives no "
        "access to its work. Another administrator must do it, and give the reason."
    ),
    Notice.Kind.TRANSFERRED: gettext_lazy(
        "You cannot transfer a post to yourself: being administrator gives no access to its "
        "work. Another administrator must do it, and give the reason."
    ),
    Notice.Kind.DELEGATED: gettext_lazy(
        "You cannot delegate a post to yourself: being administrator gives no access to its "
        "work. Another administrator must do it, and give the reason."
    ),
}


@dataclass(frozen=True)
class Opening:
    """A change about to open `post`'s work to `officer`, checked, with whom to tell of it
    (worked out before the change, while the post's holders are still those of today)."""

    kind: str
    post: Post
    officer: User
    actor: User
    reason: str
    recipients: list[User]

    def tell(self, *, from_date: date, to_date: date | None = None) -> None:
        notices.tell(
            recipients=self.recipients,
            kind=self.kind,
            post=self.post,
            officer=self.officer,
            actor=self.actor,
            from_date=from_date,
            to_date=to_date,
            reason=self.reason,
        )


def check_opening(
    *, kind: str, post: Post, officer: User, actor: User, reason: str, field: str
) -> Opening:
    """Refuses the acting administrator's own account (the error keyed by `field`, the
    argument naming the officer) and another administrator's without a reason; returns the
    reason tidied, and who is to be told."""
    reason = " ".join(reason.split())
    if len(reason) > REASON_LIMIT:
        raise invalid("reason", gettext("At most %(limit)d characters."), limit=REASON_LIMIT)
    if officer.pk == actor.pk:
        raise invalid(field, str(_OWN_ACCOUNT[kind]))
    if officer.is_staff and not reason:
        raise invalid(
            "reason",
            gettext(
                "%(officer)s is an administrator of this e-office: give the reason they need "
                "this post. It is recorded and told to the post's reporting officer."
            ),
            officer=officer,
        )
    recipients = reporting_officers(post, timezone.localdate(), excluding=(officer, actor))
    if not recipients and holds_graded_work(post):
        # Nobody else would hear of it: not a holder of the post or above it, nor another
        # administrator. Graded work is never opened to someone unseen.
        raise invalid(
            field,
            gettext(
                "%(post)s has Secret or Top Secret work, and nobody but you would be told of "
                "this: post its reporting officer first, or have another administrator do it."
            ),
            post=post.abbreviation,
        )
    return Opening(kind, post, officer, actor, reason, recipients)


def tell_reporting_change(
    *, post: Post, old_boss: Post | None, new_boss: Post | None, actor: User
) -> None:
    """Tells the post's holders, and the nearest held posts above it on the old and the new
    reporting line, that the line changed: it decides who is told of what opens its work."""
    recipients = reporting_line_watchers(post, old_boss, timezone.localdate(), excluding=(actor,))
    change = f"{old_boss.abbreviation if old_boss else '—'} → "
    change += new_boss.abbreviation if new_boss else "—"
    notices.tell(
        recipients=recipients,
        kind=Notice.Kind.REPORTING_CHANGED,
        post=post,
        officer=actor,
        actor=actor,
        from_date=timezone.localdate(),
        reason=change,
    )


def because(reason: str) -> str:
    """The end of an OrgChange's summary that gives the reason, if any."""
    return f"; reason: {reason}" if reason else ""
