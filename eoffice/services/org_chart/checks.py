"""What every change to the org chart shares: the chart's lock, the checks of typed codes and
names, and the OrgChange that records it.

Every change is one transaction that first takes the chart's lock: each checks the chart as it
stands (no loops, one regular holder per post), and a change committed by another administrator
between that check and the write could otherwise slip a loop or a second holder in. Errors are
ValidationErrors keyed by the argument at fault, so a form shows each message next to its
field.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext

from accounts.models import User
from eoffice.models import Office, Post, Posting
from eoffice.services.audit import Origin, record_org_change

# The CSV format's pattern (eoffice.org_chart_csv), so a code typed here can be imported and
# exported alike.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ()/&.,_-]*$")


def lock_chart() -> None:
    """Serialises changes to this tenant's org chart (the lock is per schema, held until the
    transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.org_chart'))")


def invalid(field: str, message: str, **params: object) -> ValidationError:
    return ValidationError({field: ValidationError(message % params if params else message)})


def day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def recorded(actor: User, origin: Origin, action: str, summary: str) -> None:
    record_org_change(officer=actor, action=action, summary=summary, origin=origin)


def counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def names(items: list[str]) -> str:
    """English enumeration: "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def check_code(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise invalid(field, gettext("This field is required."))
    if len(value) > limit:
        raise invalid(field, gettext("At most %(limit)d characters."), limit=limit)
    if not CODE_PATTERN.match(value):
        raise invalid(
            field,
            gettext(
                "Use letters, digits, spaces and ( ) / & . , _ - only, starting with a letter "
                "or digit."
            ),
        )
    return value


def check_text(field: str, value: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise invalid(field, gettext("This field is required."))
    if len(value) > limit:
        raise invalid(field, gettext("At most %(limit)d characters."), limit=limit)
    return value


def office_named(field: str, office_id: int | None) -> Office | None:
    if office_id is None:
        return None
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        raise invalid(field, gettext("Choose an office from the list."))
    return office


def office_required(field: str, office_id: int | None) -> Office:
    """The office a post must belong to."""
    office = office_named(field, office_id)
    if office is None:
        raise invalid(field, gettext("Choose an office from the list."))
    return office


def post_named(field: str, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    post = Post.objects.select_related("office").filter(pk=post_id).first()
    if post is None:
        raise invalid(field, gettext("Choose a post from the list."))
    return post


def open_postings(post: Post, on: date) -> QuerySet[Posting]:
    """The post's postings that have not ended before `on` (current or still to begin)."""
    return Posting.objects.filter(post=post).filter(Q(to_date__isnull=True) | Q(to_date__gte=on))
