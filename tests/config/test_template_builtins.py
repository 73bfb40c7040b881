"""config.template_builtins: the remembered `date` filter reads exactly as Django's, for dates
and datetimes, every format the templates use, both languages, several time zones."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import timezone, translation

from config import template_builtins

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORMATS_IN_TEMPLATES = sorted(
    {
        match.group(1)
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"\|date:['\"]([^'\"]*)['\"]", path.read_text())
    }
)
ZONES = ["Asia/Karachi", "UTC", "America/St_Johns"]


def _values() -> list[object]:
    day = datetime.date(2026, 1, 31)
    values: list[object] = [day + datetime.timedelta(days=n * 37) for n in range(12)]
    for zone in ZONES:
        tz = zoneinfo.ZoneInfo(zone)
        values += [
            datetime.datetime(2026, month, 3, 23, 59, 58, 123456, tzinfo=tz) for month in (1, 6, 11)
        ]
    instant = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    # One instant in two zones: equal datetimes that read differently.
    values += [instant, instant.astimezone(zoneinfo.ZoneInfo("Asia/Karachi"))]
    values += [datetime.datetime(2026, 7, 1, 12, 0), "", None, "not a date", 7]
    return values


def _outcome(
    date_filter: Callable[[object, str | None], str], value: object, arg: str | None
) -> object:
    """What the filter answers, or the error it raises (a time format for a date)."""
    try:
        return date_filter(value, arg)
    except TypeError as error:
        return ("TypeError", str(error))


def test_the_templates_use_formats_this_test_covers() -> None:
    assert {"j M Y", "j M Y, H:i", "c", "F Y"} <= set(FORMATS_IN_TEMPLATES)


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("zone", ZONES)
def test_reads_as_djangos_filter(language: str, zone: str) -> None:
    with translation.override(language), timezone.override(zone):
        for value in _values():
            for arg in [*FORMATS_IN_TEMPLATES, None, "D, d N Y e T O P U"]:
                expected = _outcome(defaultfilters.date, value, arg)
                # Twice: the second answer comes from the memo.
                assert _outcome(template_builtins.date, value, arg) == expected, (value, arg)
                assert _outcome(template_builtins.date, value, arg) == expected, (value, arg)


def test_templates_use_it_with_localtime_as_django_does() -> None:
    instant = datetime.datetime(2026, 12, 31, 22, 30, tzinfo=datetime.UTC)
    page = Template('{{ at|date:"j M Y, H:i" }} {{ day|date:"j F Y" }}')
    context = Context({"at": instant, "day": instant.date()})
    with timezone.override("Asia/Karachi"):
        assert page.render(context) == "1 Jan 2027, 03:30 31 December 2026"
    with translation.override("ur"), timezone.override("UTC"):
        assert page.render(context) == (
            f"31 {defaultfilters.date(instant, 'M')} 2026, 22:30 "
            f"31 {defaultfilters.date(instant, 'F')} 2026"
        )
    assert template_builtins._formatted.cache_info().hits > 0
