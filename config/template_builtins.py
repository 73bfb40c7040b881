"""Tags and filters every template has (settings.TEMPLATES' `builtins`): faster twins of
Django's `date` filter and of the components/field.html include.

`date`: Django's filter parses the format and looks up each month and day name in the
catalogue on every call: 16 µs a date, and an inbox page formats a hundred (issue 12,
`make bench-web-cpu`). The same value in the same format, language and time zone always reads
the same, so each answer is remembered, per process, for the last `DATES_REMEMBERED` of them.
Anything the memo cannot key safely goes to Django's filter unchanged.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.forms import BoundField
from django.template import defaultfilters
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from config import field_component

register = template.Library()

DATES_REMEMBERED = 8192


@lru_cache(maxsize=DATES_REMEMBERED)
def _formatted(value: datetime.date, exact: tuple[Any, ...], arg: str | None, language: str) -> str:
    # `exact` tells apart what equality does not: a date from a datetime of the same day, and
    # one instant in two time zones (equal datetimes, other clock readings and names).
    with translation.override(language):
        return str(defaultfilters.date(value, arg))


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's `date` filter, remembered (see the module)."""
    kind = type(value)
    if kind is datetime.date:
        exact: tuple[Any, ...] = (kind,)
    elif kind is datetime.datetime:
        exact = (kind, value.isoformat(), repr(value.tzinfo), value.fold)
    else:
        return str(defaultfilters.date(value, arg))
    language = translation.get_language()
    if language is None or (arg is not None and not isinstance(arg, str)):
        return str(defaultfilters.date(value, arg))
    return _formatted(value, exact, arg, language)


@register.simple_tag
def field(bound_field: BoundField) -> SafeString:
    """`{% field form.x %}`: components/field.html for one field (config.field_component)."""
    return mark_safe(field_component.render(bound_field))  # noqa: S308 - every value is escaped in render
