"""The receipt register: the diary of receipts, filtered and paginated.

"Registered here" lists what the desk's posts registered (the section's diary); "All I can
see" adds every receipt that was marked to or passed through them. Restricted receipts appear
only to officers posted to a post that may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from eoffice.models import RESTRICTED_GRADINGS, Receipt
from eoffice.selectors.access import Desk, visible_items

SORTS = {
    "diary": ("-diary_year", "-diary_number"),
    "diary_asc": ("diary_year", "diary_number"),
    "received": ("-received_date", "-diary_number"),
    "priority": ("-priority", "-diary_year", "-diary_number"),
}


@dataclass(frozen=True)
class RegisterFilter:
    scope: str = "here"  # "here" or "all"
    year: int | None = None
    mode: str = ""
    state: str = ""
    category_id: int | None = None
    grading: str = ""
    received_from: date | None = None
    received_to: date | None = None
    query: str = ""
    sort: str = "diary"


def register(desk: Desk, f: RegisterFilter) -> QuerySet[Receipt]:
    if not desk.holdings:
        return Receipt.objects.none()
    queryset = Receipt.objects.all()
    if f.scope == "all":
        queryset = visible_items(desk, queryset)
    else:
        restricted = Q(grading__in=RESTRICTED_GRADINGS)
        queryset = queryset.filter(created_post__in=desk.post_ids).filter(
            ~restricted | Q(created_post__in=desk.posted_ids)
        )
    if f.year:
        queryset = queryset.filter(diary_year=f.year)
    if f.mode in Receipt.Mode.values:
        queryset = queryset.filter(mode=f.mode)
    if f.state in Receipt.Tray.values:
        queryset = queryset.filter(tray=f.state)
    if f.category_id:
        queryset = queryset.filter(category_id=f.category_id)
    if f.grading:
        queryset = queryset.filter(grading=f.grading)
    if f.received_from:
        queryset = queryset.filter(received_date__gte=f.received_from)
    if f.received_to:
        queryset = queryset.filter(received_date__lte=f.received_to)
    if f.query:
        text = f.query.strip()
        queryset = queryset.filter(
            Q(reference=text)
            | Q(subject__icontains=text)
            | Q(sender_name__icontains=text)
            | Q(letter_reference__icontains=text)
        )
    return queryset.select_related("category", "holder_post", "created_post").order_by(
        *SORTS.get(f.sort, SORTS["diary"])
    )
