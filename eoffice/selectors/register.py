"""The receipt register: the diary of receipts, filtered and paginated.

"Registered here" lists what the desk's posts registered (the section's diary); "All I can
see" adds every receipt that was marked to or passed through them. Restricted receipts appear
only to officers posted to a post that may see them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

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
    if not desk.post_ids:
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
        queryset = queryset.filter(matching(f.query))
    return queryset.select_related("category", "holder_post", "created_post").order_by(
        *SORTS.get(f.sort, SORTS["diary"])
    )


_DIARY_NUMBER = re.compile(r"^\d{1,9}/\d{4}$")


def matching(text: str) -> Q:
    """Receipts whose diary number or letter number is `text`, or whose subject or sender has
    words starting with its words ("pens" finds "pension"). The words and the letter number
    are one set of receipts, read from the GIN indexes of migration 0005 and the index of
    0012, so it costs the same at 100 or 100,000 receipts; as three alternatives (an OR),
    PostgreSQL would test each of the tenant's receipts against them instead."""
    text = text.strip()
    if _DIARY_NUMBER.match(text):
        return Q(reference=text)
    words = re.findall(r"\w+", text)[:8]
    if not words:
        return Q(
            pk__in=RawSQL(
                "SELECT item_id FROM eoffice_receipt "
                "WHERE upper(letter_reference::text) = upper(%s)",
                [text],
            )
        )
    query = " & ".join(f"{word}:*" for word in words)
    found = RawSQL(
        "SELECT id FROM eoffice_item WHERE kind = 'receipt' "
        "AND to_tsvector('simple', subject) @@ to_tsquery('simple', %s) "
        "UNION SELECT item_id FROM eoffice_receipt "
        "WHERE to_tsvector('simple', sender_name) @@ to_tsquery('simple', %s) "
        "UNION SELECT item_id FROM eoffice_receipt "
        "WHERE upper(letter_reference::text) = upper(%s)",
        [query, query, text],
    )
    return Q(pk__in=found)
