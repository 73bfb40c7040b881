"""Workshops and the officers they trained."""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django.db.models import CharField, Count, QuerySet, Sum, Value
from django.db.models.functions import Concat, Lower, Trim

from reports.models import Workshop, WorkshopAttendee

# One officer: the name and post, trimmed and lower-cased, joined by a unit separator.
_PERSON = Concat(Lower(Trim("name")), Value("\x1f"), Lower(Trim("post")), output_field=CharField())


def workshops_of(
    *, tenant_ids: Collection[int] | None = None, include_withdrawn: bool = True
) -> QuerySet[Workshop]:
    """Workshops (of `tenant_ids`, or all), the latest first, with their attendees
    prefetched and `named` (how many attendees were named) annotated."""
    workshops = Workshop.objects.select_related("tenant").prefetch_related("attendees")
    if tenant_ids is not None:
        workshops = workshops.filter(tenant_id__in=list(tenant_ids))
    if not include_withdrawn:
        workshops = workshops.filter(withdrawn_at__isnull=True)
    return workshops.annotate(named=Count("attendees")).order_by("-date", "-id")


def trained_counts(tenant_ids: Collection[int], until: datetime.date) -> dict[int, int]:
    """Officers trained by each tenant's workshops held on or before `until` and not
    withdrawn: named attendees distinct by name and post (trimmed, case-insensitive) plus the
    counts of workshops that did not name theirs. Two queries whatever the number of tenants;
    every id asked for is a key."""
    ids = list(tenant_ids)
    trained = dict.fromkeys(ids, 0)
    live = {"withdrawn_at__isnull": True, "date__lte": until, "tenant_id__in": ids}
    counted = (
        Workshop.objects.filter(**live)
        .values("tenant_id")
        .annotate(n=Sum("attendee_count"))
        .order_by()
    )
    for row in counted:
        trained[row["tenant_id"]] += row["n"] or 0
    named = (
        WorkshopAttendee.objects.filter(
            **{f"workshop__{key}": value for key, value in live.items()}
        )
        .values("workshop__tenant_id")
        .annotate(n=Count(_PERSON, distinct=True))
        .order_by()
    )
    for person in named:
        trained[person["workshop__tenant_id"]] += person["n"]
    return trained
