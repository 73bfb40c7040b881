"""The e-office's usage of one day, as the control plane collects it for billing and the
federal report (billing.tasks.usage reads it inside this tenant's schema)."""

from __future__ import annotations

import datetime
from typing import TypedDict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import ActiveDay, User
from eoffice.models import Document, Item


class DailyUsage(TypedDict):
    officers: int
    officers_active: int
    officers_active_month: int
    storage_bytes: int


def day_end(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in settings.TIME_ZONE (an aware datetime)."""
    next_day = day + datetime.timedelta(days=1)
    return timezone.make_aware(
        datetime.datetime.combine(next_day, datetime.time.min), timezone.get_default_timezone()
    )


def usage_on(day: datetime.date) -> DailyUsage:
    """The current tenant schema's figures for `day` (a calendar day in settings.TIME_ZONE).

    - `officers`: active accounts that existed by the day's end;
    - `officers_active`: accounts with an ActiveDay on that day (signed in, or used a session);
    - `officers_active_month`: distinct accounts with an ActiveDay from the 1st of the day's
      month up to and including the day: the seats the month has used so far;
    - `storage_bytes`: the sum of Document.size of every document uploaded before the day's end.

    Every figure is computed from records dated on or before the day, never from "now", so a
    day collected late (a back-fill after a missed night) gives what the night itself would
    have: documents are never deleted and active days are never removed, so nothing that
    counted on the day can have vanished since. Storage is summed from the documents' recorded
    sizes rather than by listing the object store: the store has no history (it cannot say
    what it held on a past day), listing it costs a request per thousand objects, and every
    object the e-office stores is a Document with its size. The one figure that cannot be
    dated is an account's deactivation, so `officers` counts accounts active at collection
    time (a night's collection runs minutes after the day, so it only differs for a back-fill).
    """
    end = day_end(day)
    officers = User.objects.filter(is_active=True, date_joined__lt=end).count()
    month_days = ActiveDay.objects.filter(day__gte=day.replace(day=1), day__lte=day)
    storage = Document.objects.filter(uploaded_at__lt=end).aggregate(total=Sum("size"))["total"]
    return {
        "officers": officers,
        "officers_active": month_days.filter(day=day).count(),
        "officers_active_month": month_days.values("user").distinct().count(),
        "storage_bytes": int(storage or 0),
    }


def work_on(day: datetime.date) -> dict[str, int]:
    """The current tenant schema's work of `day` for the federal report (kept with the day's
    usage record as its `figures`): receipts and files opened, documents uploaded that day.

    Only figures that can be dated are kept, so a back-filled day gives what the day itself
    would have: items and documents carry the moment they were made, which never changes.
    Pendency (what lies in trays) cannot be read for a past day and is not among them.
    """
    start, end = day_end(day - datetime.timedelta(days=1)), day_end(day)
    on_the_day = Q(created_at__gte=start, created_at__lt=end)
    items = Item.objects.aggregate(
        receipts=Count("pk", filter=on_the_day & Q(kind=Item.Kind.RECEIPT)),
        files=Count("pk", filter=on_the_day & Q(kind=Item.Kind.FILE)),
    )
    documents = Document.objects.filter(uploaded_at__gte=start, uploaded_at__lt=end).count()
    return {
        "receipts_opened": items["receipts"],
        "files_opened": items["files"],
        "documents_uploaded": documents,
    }
