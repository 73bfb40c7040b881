"""Working days of a tenant's calendar (pure: no database, no clock).

A working day is a day whose ISO weekday is not in `weekend` and which is not in `holidays`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

_DAY = timedelta(days=1)


def is_working_day(day: date, *, weekend: Collection[int], holidays: Collection[date]) -> bool:
    return day.isoweekday() not in weekend and day not in holidays


def working_days_between(
    start: date, end: date, *, weekend: Collection[int], holidays: Collection[date]
) -> int:
    """How many working days lie after `start` up to and including `end` (0 when end <= start):
    an item that arrived on a Friday is 1 working day old on the Monday after it."""
    if end <= start:
        return 0
    if len(weekend) >= 7:
        return 0
    whole_weeks, rest = divmod((end - start).days, 7)
    count = whole_weeks * (7 - len(set(weekend) & set(range(1, 8))))
    day = start + timedelta(days=whole_weeks * 7)
    for _ in range(rest):
        day += _DAY
        if day.isoweekday() not in weekend:
            count += 1
    count -= sum(1 for h in holidays if start < h <= end and h.isoweekday() not in weekend)
    return count


def cutoff_more_than(
    today: date, days: int, *, weekend: Collection[int], holidays: Collection[date]
) -> date:
    """The latest date D with working_days_between(D, today) > days: an item that arrived on
    D or earlier is more than `days` working days old today."""
    if len(set(weekend) & set(range(1, 8))) >= 7:
        raise ValueError("A calendar with no working day has no cutoff.")
    counted = 0
    day = today
    while counted <= days:
        if is_working_day(day, weekend=weekend, holidays=holidays):
            counted += 1
        day -= _DAY
    return day
