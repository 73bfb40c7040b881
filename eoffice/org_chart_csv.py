"""The org chart's CSV format: four tables (offices, posts, officers, channels of submission).

The sign-up survey (tenants) and the e-office's own import (Manage → Import from CSV) both take
the chart in these tables, so what an applicant uploads can be imported again later. This module
is pure: it parses and checks text and touches no database.

Each table is CSV text, typed in or uploaded as a file. Parsing reports every problem with its
line number, and each table is checked against the tables it refers to (posts name offices,
officers and channels name posts), so the org chart an instance is seeded with is whole: no
dangling reference, no duplicate, no reporting loop.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ()/&.,_-]*$")

Row = dict[str, str]


@dataclass(frozen=True)
class Table:
    """One survey table: its CSV columns, which are required, and an example for the template."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    example: tuple[tuple[str, ...], ...]

    def template_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.example)
        return out.getvalue()


OFFICES = Table(
    name="offices",
    columns=("code", "name", "parent_code"),
    required=("code", "name"),
    example=(
        ("SECY", "Secretariat", ""),
        ("ADMIN", "Administration Wing", "SECY"),
        ("BUDGET", "Budget Section", "ADMIN"),
    ),
)
POSTS = Table(
    name="posts",
    columns=("abbreviation", "designation", "office_code", "reports_to"),
    required=("abbreviation", "designation", "office_code"),
    example=(
        ("SECY", "Secretary", "SECY", ""),
        ("AS(Admin)", "Additional Secretary (Admin)", "ADMIN", "SECY"),
        ("SO(Budget)", "Section Officer (Budget)", "BUDGET", "AS(Admin)"),
    ),
)
OFFICERS = Table(
    name="officers",
    columns=("full_name", "email", "post"),
    required=("full_name", "email", "post"),
    example=(
        ("Ayesha Khan", "ayesha.khan@example.gov.pk", "SECY"),
        ("Bilal Ahmed", "bilal.ahmed@example.gov.pk", "SO(Budget)"),
    ),
)
CHANNELS = Table(
    name="channels",
    columns=("from_post", "to_post"),
    required=("from_post", "to_post"),
    example=(("SO(Budget)", "SECY"),),
)
TABLES = {table.name: table for table in (OFFICES, POSTS, OFFICERS, CHANNELS)}


@dataclass(frozen=True)
class ParsedRow:
    line: int
    values: Row


class Problems:
    """Collects "Line N: …" messages and raises them together."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, line: int | None, message: str) -> None:
        self.messages.append(f"Line {line}: {message}" if line else message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages[:100] + _more(len(self.messages) - 100))


def _more(hidden: int) -> list[str]:
    return [f"… and {hidden} more problems; fix these first."] if hidden > 0 else []


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file (UTF-8, with or without a byte-order mark)."""
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is larger than {MAX_BYTES // 1024} KB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start + 1}); save it as “CSV UTF-8”."
        ) from error


def parse(table: Table, text: str) -> list[ParsedRow]:
    """The table's rows with their line numbers; every malformed line is reported."""
    if len(text.encode()) > MAX_BYTES:
        raise ValidationError(f"The {table.name} table is larger than {MAX_BYTES // 1024} KB.")
    reader = csv.reader(io.StringIO(text.strip("\ufeff")), strict=True)
    problems = Problems()
    rows: list[ParsedRow] = []
    header: list[str] | None = None
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in record]
                _check_header(table, header, reader.line_num, problems)
                if problems.messages:
                    break
                continue
            if len(record) != len(header):
                problems.add(
                    reader.line_num,
                    f"expected {len(header)} values ({', '.join(header)}), found {len(record)}.",
                )
                continue
            values = {column: cell.strip() for column, cell in zip(header, record, strict=True)}
            values = {column: values.get(column, "") for column in table.columns}
            for column in table.required:
                if not values[column]:
                    problems.add(reader.line_num, f"“{column}” is empty.")
            rows.append(ParsedRow(line=reader.line_num, values=values))
            if len(rows) > MAX_ROWS:
                problems.add(None, f"More than {MAX_ROWS} rows; split the upload.")
                break
    except csv.Error as error:
        problems.add(reader.line_num, f"not valid CSV ({error}).")
    if header is None and not problems.messages:
        problems.add(
            None,
            f"The table is empty; the first line names the columns: {','.join(table.columns)}.",
        )
    problems.raise_if_any()
    return rows


def _check_header(table: Table, header: list[str], line: int, problems: Problems) -> None:
    missing = [column for column in table.required if column not in header]
    unknown = [column for column in header if column not in table.columns]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if missing or unknown or duplicated:
        details = []
        if missing:
            details.append(f"missing {', '.join(missing)}")
        if unknown:
            details.append(f"unknown {', '.join(unknown)}")
        if duplicated:
            details.append(f"repeated {', '.join(duplicated)}")
        problems.add(
            line,
            f"the columns must be {','.join(table.columns)} ({'; '.join(details)}).",
        )


def _unique(
    rows: Iterable[ParsedRow],
    column: str,
    problems: Problems,
    *,
    what: str,
    key: Callable[[str], str] = str,
) -> dict[str, int]:
    """Maps each value of `column` to its first line, reporting repeats."""
    seen: dict[str, int] = {}
    for row in rows:
        value = row.values[column]
        if not value:
            continue
        if key(value) in seen:
            problems.add(row.line, f"{what} “{value}” is already on line {seen[key(value)]}.")
        else:
            seen[key(value)] = row.line
    return seen


def _check_length(row: ParsedRow, column: str, limit: int, problems: Problems) -> None:
    if len(row.values[column]) > limit:
        problems.add(row.line, f"“{column}” is longer than {limit} characters.")


def _check_tree(
    rows: list[ParsedRow], key: str, parent: str, problems: Problems, *, what: str
) -> None:
    """Reports every row whose chain of parents loops back to itself."""
    parent_of = {row.values[key]: row.values[parent] for row in rows if row.values[key]}
    for row in rows:
        start, current, steps = row.values[key], row.values[parent], 0
        while current and current in parent_of and steps <= len(parent_of):
            if current == start:
                problems.add(row.line, f"{what} “{start}” is above itself (a loop).")
                break
            current, steps = parent_of[current], steps + 1


def check_offices(rows: list[ParsedRow]) -> list[Row]:
    problems = Problems()
    if not rows:
        problems.add(None, "List at least one office.")
    codes = _unique(rows, "code", problems, what="Office code")
    for row in rows:
        code, parent = row.values["code"], row.values["parent_code"]
        if code and not _CODE.match(code):
            problems.add(row.line, f"office code “{code}” may hold letters, digits and ()/&.,_- .")
        _check_length(row, "code", 30, problems)
        _check_length(row, "name", 200, problems)
        if parent and parent not in codes:
            problems.add(row.line, f"parent office “{parent}” is not in the list of offices.")
        elif parent and parent == code:
            problems.add(row.line, f"office “{code}” cannot be its own parent.")
    if not problems.messages:
        _check_tree(rows, "code", "parent_code", problems, what="Office")
    problems.raise_if_any()
    return [row.values for row in rows]


def check_posts(rows: list[ParsedRow], *, office_codes: set[str]) -> list[Row]:
    problems = Problems()
    if not rows:
        problems.add(None, "List at least one post.")
    posts = _unique(rows, "abbreviation", problems, what="Post")
    for row in rows:
        abbreviation, office = row.values["abbreviation"], row.values["office_code"]
        boss = row.values["reports_to"]
        if abbreviation and not _CODE.match(abbreviation):
            problems.add(
                row.line, f"abbreviation “{abbreviation}” may hold letters, digits and ()/&.,_- ."
            )
        _check_length(row, "abbreviation", 40, problems)
        _check_length(row, "designation", 200, problems)
        if office and office not in office_codes:
            problems.add(row.line, f"office “{office}” is not among the offices of this survey.")
        if boss and boss == abbreviation:
            problems.add(row.line, f"post “{abbreviation}” cannot report to itself.")
        elif boss and boss not in posts:
            problems.add(row.line, f"“{boss}” (reports to) is not in the list of posts.")
    if not problems.messages:
        _check_tree(rows, "abbreviation", "reports_to", problems, what="Post")
    problems.raise_if_any()
    return [row.values for row in rows]


def check_officers(rows: list[ParsedRow], *, posts: set[str]) -> list[Row]:
    problems = Problems()
    _unique(rows, "email", problems, what="E-mail", key=str.lower)
    _unique(rows, "post", problems, what="Post")
    for row in rows:
        email, post = row.values["email"], row.values["post"]
        _check_length(row, "full_name", 200, problems)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.add(row.line, f"“{email}” is not an e-mail address.")
        if post and post not in posts:
            problems.add(row.line, f"post “{post}” is not in the list of posts.")
    problems.raise_if_any()
    return [dict(row.values, email=row.values["email"].lower()) for row in rows]


def check_channels(rows: list[ParsedRow], *, posts: set[str]) -> list[Row]:
    problems = Problems()
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        sender, receiver = row.values["from_post"], row.values["to_post"]
        for column, post in (("from_post", sender), ("to_post", receiver)):
            if post and post not in posts:
                problems.add(row.line, f"{column} “{post}” is not in the list of posts.")
        if sender and sender == receiver:
            problems.add(row.line, f"post “{sender}” cannot send work to itself.")
        if (sender, receiver) in seen:
            problems.add(row.line, f"this channel is already on line {seen[sender, receiver]}.")
        seen.setdefault((sender, receiver), row.line)
    problems.raise_if_any()
    return [row.values for row in rows]
