"""The month a report screen or export is asked for, and the months either side of it."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

FIRST_MONTH = datetime.date(2020, 1, 1)
# \Z, not $: "2025-06\n" is not a month.
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})\Z")


class BadMonth(ValueError):
    """The month asked for is malformed or outside the months the report covers; its message
    says which, for the page."""


def this_month() -> datetime.date:
    """The first day of the current month in the platform's time zone (not the server's)."""
    return timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)


def parse_month(value: str | None, *, today: datetime.date | None = None) -> datetime.date:
    """The first day of the month `YYYY-MM` (this month when empty), from January 2020 to this
    month (`today`'s, when given); BadMonth otherwise. The report page and the exports both
    read their month here, so they refuse the same months with the same reasons."""
    latest = today.replace(day=1) if today else this_month()
    if not value:
        return latest
    match = MONTH_PATTERN.match(value)
    if not match or not 1 <= int(match[2]) <= 12:
        raise BadMonth(_("“%(value)s” is not a month: write it as YYYY-MM.") % {"value": value})
    year, number = int(match[1]), int(match[2])
    # Compared before building the date: year 0 has no date.
    if (year, number) < (FIRST_MONTH.year, FIRST_MONTH.month):
        raise BadMonth(_("The report starts in January 2020: choose a later month."))
    month = datetime.date(year, number, 1)
    if month > latest:
        raise BadMonth(_("That month has not begun yet; the latest month is this one."))
    return month


def previous_month(month: datetime.date) -> datetime.date | None:
    """The month before, or None before the report's first month."""
    before = (month - datetime.timedelta(days=1)).replace(day=1)
    return before if before >= FIRST_MONTH else None


def next_month(month: datetime.date) -> datetime.date | None:
    """The month after, or None if it has not begun."""
    after = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return after if after <= this_month() else None
