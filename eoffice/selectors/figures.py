"""The e-office's figures for the federal report, kept with each day's usage record.

`day_figures(day)` is computed from records dated on or before the day's end, so a back-filled
day gives what the night itself would have. `pendency_snapshot(today)` reads what lies in trays
now, so it is only taken on the night after a day (billing.tasks.usage). Each is a fixed number
of queries whatever the tenant holds.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import Extract
from django.utils import timezone

from eoffice.models import (
    AuditEntry,
    CalendarSettings,
    CorrespondenceEntry,
    File,
    Holiday,
    Item,
    Post,
    Receipt,
)
from eoffice.models.calendar import DEFAULT_WEEKEND
from eoffice.selectors.usage import day_end
from eoffice.working_days import cutoff_more_than, working_days_between

WORST_POSTS = 10


def calendar() -> tuple[frozenset[int], frozenset[datetime.date]]:
    """The tenant's weekend (ISO weekdays) and its holidays in force."""
    settings_row = CalendarSettings.objects.filter(pk=1).first()
    weekend = frozenset(settings_row.weekend if settings_row else DEFAULT_WEEKEND)
    holidays = frozenset(
        Holiday.objects.filter(withdrawn_at__isnull=True).values_list("day", flat=True)
    )
    return weekend, holidays


_ACTIVE_FILES_SQL = """
        WITH active AS (
            SELECT DISTINCT m.item_id
              FROM eoffice_movement m JOIN eoffice_item i ON i.id = m.item_id
             WHERE i.kind = %s AND m.sent_at >= %s AND m.sent_at < %s
        ), posts AS (
            SELECT m.item_id, m.from_post_id AS post_id
              FROM eoffice_movement m JOIN active a ON a.item_id = m.item_id WHERE m.sent_at < %s
            UNION
            SELECT m.item_id, m.to_post_id
              FROM eoffice_movement m JOIN active a ON a.item_id = m.item_id WHERE m.sent_at < %s
            UNION
            SELECT i.id, i.created_post_id FROM eoffice_item i JOIN active a ON a.item_id = i.id
        )
        SELECT (SELECT count(*) FROM active), (SELECT count(*) FROM posts)
"""


def _active_files(month_start: datetime.datetime, end: datetime.datetime) -> tuple[int, int]:
    """Files moved in [month_start, end), and the sum over them of the distinct posts they have
    been at by `end` (every movement's from and to post, and the post that opened it)."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_FILES_SQL, [Item.Kind.FILE, month_start, end, end, end])
        active, posts = cursor.fetchone()
    return int(active), int(posts)


def day_figures(day: datetime.date) -> dict[str, int]:
    """The datable and month-to-date figures of `day` (keys as in the federal report's
    contract: receipts_electronic, receipts_physical, files_opened, files_closed,
    closing_days_sum, files_opened_month_electronic, files_opened_month_physical,
    files_active_month, file_posts_sum_month, letters_electronic_month, letters_post_month)."""
    start, end = day_end(day - datetime.timedelta(days=1)), day_end(day)
    month_start = day_end(day.replace(day=1) - datetime.timedelta(days=1))
    on_the_day = Q(created_at__gte=start, created_at__lt=end)
    receipts = Receipt.objects.filter(on_the_day).aggregate(
        electronic=Count("pk", filter=Q(mode=Receipt.Mode.ELECTRONIC)),
        physical=Count("pk", filter=Q(mode=Receipt.Mode.PHYSICAL)),
    )
    closings = AuditEntry.objects.filter(
        action=AuditEntry.Action.CLOSE, at__gte=start, at__lt=end, item__kind=Item.Kind.FILE
    ).aggregate(
        closed=Count("pk"),
        days=Sum(Extract(F("at") - F("item__created_at"), "day")),
    )
    physical_paper = CorrespondenceEntry.objects.filter(
        file=OuterRef("pk"), added_at__lt=end, receipt__mode=Receipt.Mode.PHYSICAL
    )
    month_files = (
        File.objects.filter(created_at__gte=month_start, created_at__lt=end)
        .annotate(has_paper=Exists(physical_paper))
        .aggregate(
            opened=Count("pk", filter=Q(created_at__gte=start)),
            physical=Count("pk", filter=Q(has_paper=True)),
            electronic=Count("pk", filter=Q(has_paper=False)),
        )
    )
    active, posts = _active_files(month_start, end)
    return {
        "receipts_electronic": receipts["electronic"],
        "receipts_physical": receipts["physical"],
        "files_opened": month_files["opened"],
        "files_closed": closings["closed"],
        "closing_days_sum": int(closings["days"] or 0),
        "files_opened_month_electronic": month_files["electronic"],
        "files_opened_month_physical": month_files["physical"],
        "files_active_month": active,
        "file_posts_sum_month": posts,
        "letters_electronic_month": 0,
        "letters_post_month": 0,
    }


def pendency_snapshot(today: datetime.date) -> dict[str, Any]:
    """What lies in trays now (inbox or parked, receipts and files): how many items arrived
    more than 7 and more than 30 working days before `today` in the tenant's calendar, and the
    (at most 10) posts holding most items over 7, with the age of their oldest item."""
    weekend, holidays = calendar()
    over_7 = day_end(cutoff_more_than(today, 7, weekend=weekend, holidays=holidays))
    over_30 = day_end(cutoff_more_than(today, 30, weekend=weekend, holidays=holidays))
    pending = Item.objects.filter(tray__in=[Item.Tray.INBOX, Item.Tray.PARKED])
    counts = pending.aggregate(
        over_7=Count("pk", filter=Q(arrived_at__lt=over_7)),
        over_30=Count("pk", filter=Q(arrived_at__lt=over_30)),
    )
    worst = list(
        pending.filter(arrived_at__lt=over_7)
        .values("holder_post")
        .annotate(items=Count("pk"), oldest=Min("arrived_at"))
        .order_by("-items", "oldest", "holder_post")[:WORST_POSTS]
    )
    posts = Post.objects.in_bulk([row["holder_post"] for row in worst])
    worst_posts = []
    for row in worst:
        post = posts[row["holder_post"]]
        oldest_day = timezone.localtime(row["oldest"]).date()
        worst_posts.append(
            {
                "post_id": post.pk,
                "post": f"{post.abbreviation} ({post.designation})",
                "items": row["items"],
                "oldest_days": working_days_between(
                    oldest_day, today, weekend=weekend, holidays=holidays
                ),
            }
        )
    worst_posts.sort(key=lambda p: (-p["items"], -p["oldest_days"], p["post_id"]))
    return {
        "pendency_measured": 1,
        "pending_over_7": counts["over_7"],
        "pending_over_30": counts["over_30"],
        "pending_worst_posts": worst_posts,
    }
