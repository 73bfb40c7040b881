"""Diary and file numbers: unique and gap-free, also under concurrent registration.

A counter row is incremented with one upsert inside the caller's transaction. The row stays
locked until that transaction ends, so concurrent registrations take numbers one after another;
a registration that fails rolls its increment back, so no number is ever skipped.
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.utils.translation import gettext

from accounts.models import User
from eoffice.errors import Invalid
from eoffice.models import FileNumbering, Item, OrgChange
from eoffice.services.audit import Origin, record_org_change

TOKENS = ("office", "category", "serial", "year")
MAX_NUMBER_CHARS = 80  # the length of Item.reference
_TOKEN = re.compile(r"\{(\w+)\}")


def _next(table: str, key_column: str, value_column: str, key: int | str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Numbers are taken inside the transaction that uses them.")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {value_column}) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = "
            f"{table}.{value_column} + 1 RETURNING {value_column}",
            [key],
        )
        row = cursor.fetchone()
        assert row is not None  # RETURNING always yields the row just written
        return int(row[0])


def next_diary_number(year: int) -> int:
    return _next("eoffice_diarycounter", "year", "last_number", year)


def check_pattern(pattern: str) -> str:
    """The pattern, stripped, if usable; Invalid with the reason otherwise."""
    pattern = pattern.strip()
    tokens = _TOKEN.findall(pattern)
    unknown = sorted(set(tokens) - set(TOKENS))
    if unknown:
        raise Invalid(
            gettext("Unknown part %(parts)s; use %(known)s.")
            % {
                "parts": ", ".join("{" + t + "}" for t in unknown),
                "known": ", ".join("{" + t + "}" for t in TOKENS),
            }
        )
    if tokens.count("serial") != 1:
        raise Invalid(gettext("The pattern must contain {serial} exactly once."))
    # A brace left over once the parts are taken out is a mistyped part ("{office/{serial}"),
    # which would otherwise be printed literally in every file number.
    literal = _TOKEN.sub("", pattern)
    if "{" in literal or "}" in literal:
        raise Invalid(
            gettext("Write each part as {office}, {category}, {serial} or {year}, in braces.")
        )
    if len(pattern) > 100 or not pattern:
        raise Invalid(gettext("The pattern must be 1 to 100 characters long."))
    return pattern


def current_pattern() -> str:
    return FileNumbering.objects.get_or_create(pk=1)[0].pattern


def next_file_number(*, office_code: str, category_code: str, year: int) -> tuple[str, int]:
    """The next file number and its serial. Serials count per distinct rest of the number, so
    with "{office}/{serial}/{year}" each office starts at 1 every year."""
    pattern = current_pattern()
    values = {"office": office_code, "category": category_code, "year": str(year)}
    key = _TOKEN.sub(lambda m: "#" if m.group(1) == "serial" else values[m.group(1)], pattern)
    while True:
        serial = _next("eoffice_filecounter", "key", "last_serial", key)
        values["serial"] = str(serial)
        number = _TOKEN.sub(lambda m: values[m.group(1)], pattern)
        # A changed pattern, or one without separators ("{office}{serial}"), can give a number
        # an older file already has; such a serial is passed over rather than reused.
        if not Item.objects.filter(kind=Item.Kind.FILE, reference=number).exists():
            break
    if len(number) > MAX_NUMBER_CHARS:
        # Refused here, in the transaction that took the serial, which rolls back with it.
        raise Invalid(
            gettext(
                "The file numbering pattern makes “%(number)s…” longer than %(limit)s "
                "characters; ask your administrator to shorten it."
            )
            % {"number": number[:40], "limit": MAX_NUMBER_CHARS}
        )
    return number, serial


@transaction.atomic
def set_pattern(*, pattern: str, actor: User, origin: Origin) -> FileNumbering:
    """Numbers new files by `pattern` (files already opened keep their numbers), recorded as
    an OrgChange by `actor`. An unusable pattern raises Invalid; the same pattern again changes
    and records nothing."""
    numbering, _ = FileNumbering.objects.select_for_update().get_or_create(pk=1)
    old, new = numbering.pattern, check_pattern(pattern)
    if new == old:
        return numbering
    numbering.pattern = new
    numbering.save(update_fields=["pattern", "updated_at"])
    record_org_change(
        officer=actor,
        action=OrgChange.Action.NUMBERING_CHANGED,
        summary=f"File numbering pattern changed from {old} to {new}",
        origin=origin,
    )
    return numbering
