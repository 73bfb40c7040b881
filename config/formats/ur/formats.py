"""Urdu dates, typed in the same day/month/year order as in English (see ../en/formats.py)."""

from config.formats.en.formats import (  # noqa: F401 - the format names Django reads
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    NUMBER_GROUPING,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    THOUSAND_SEPARATOR,
    TIME_FORMAT,
)

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
