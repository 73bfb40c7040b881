"""Importing offices, posts, officers and channels from CSV tables in the org chart's CSV
format (eoffice.org_chart_csv, the sign-up survey's tables): checked line by line against each
other and against the chart the e-office has, then applied all together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from accounts.invitations import Site
from accounts.models import User
from accounts.services import create_account
from eoffice import org_chart_csv as csv_format
from eoffice.models import Notice, Office, OrgChange, Post, Posting, SubmissionChannel
from eoffice.selectors.notices import reporting_officers
from eoffice.services import notices
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import counted, lock_chart, names, open_postings, recorded
from eoffice.services.org_chart.invitations import invite_after_commit
from eoffice.services.org_chart.seed import seed_org_chart

ParsedRow = csv_format.ParsedRow


class Change:
    """What applying an import does to one line's record."""

    NEW = "new"  # created (for an officer line: posted, and a new account invited)
    UPDATE = "update"  # exists; its missing parent office or reporting post is filled in
    KEPT = "kept"  # exists and differs; kept as it is (an import never rearranges the chart)
    SAME = "same"  # already in place


@dataclass(frozen=True)
class PlannedRow:
    line: int
    label: str
    change: str
    note: str = ""


@dataclass
class ImportPlan:
    """Checked tables (in the CSV format's row format) and what applying them changes, by
    line."""

    offices: list[csv_format.Row] = field(default_factory=list)
    posts: list[csv_format.Row] = field(default_factory=list)
    officers: list[csv_format.Row] = field(default_factory=list)
    channels: list[csv_format.Row] = field(default_factory=list)
    lines: dict[str, list[PlannedRow]] = field(default_factory=dict)
    new_accounts: list[str] = field(default_factory=list)  # e-mails of officers to invite

    def count(self, table: str, *changes: str) -> int:
        return sum(1 for row in self.lines.get(table, []) if row.change in changes)

    @property
    def changes(self) -> int:
        return sum(self.count(table, Change.NEW, Change.UPDATE) for table in self.lines)

    @property
    def unchanged(self) -> int:
        return sum(self.count(table, Change.SAME, Change.KEPT) for table in self.lines)


class _Problems:
    def __init__(self) -> None:
        self.by_table: dict[str, list[str]] = {}

    def add(self, table: str, line: int, message: str, **params: object) -> None:
        text = gettext("Line %(line)d: %(problem)s") % {"line": line, "problem": message % params}
        self.by_table.setdefault(table, []).append(text)

    def extend(self, table: str, error: ValidationError) -> None:
        self.by_table.setdefault(table, []).extend(error.messages)

    def has(self, *tables: str) -> bool:
        return any(self.by_table.get(table) for table in tables)


def _parsed(table: csv_format.Table, text: str, problems: _Problems) -> list[ParsedRow]:
    if not text.strip():
        return []
    try:
        return csv_format.parse(table, text)
    except ValidationError as error:
        problems.extend(table.name, error)
        return []


# --- Offices and posts: the two tables that make a tree -----------------------------------------


@dataclass(frozen=True)
class _Tree:
    """How one of the two tree tables (offices under offices, posts reporting to posts) is
    planned against the chart the e-office has.

    `columns` maps each of the table's columns to the field that holds it on the model. An
    existing record is never rearranged: each column of `kept` that differs (and, for `above`,
    is set) keeps its value, with that note; an `above` the record lacks is filled in."""

    table: str
    model: type[models.Model]
    key: str  # the column naming a record (code, abbreviation)
    title: str  # the column shown after the key in a planned line
    above: str  # the column naming the record above (parent office, reporting post)
    columns: dict[str, str]
    kept: tuple[tuple[str, Promise, str], ...]  # column, note, the note's parameter
    filled: Promise  # the note of an `above` filled in, with the parameter `above_param`
    above_param: str
    capitals: Promise
    loop: Promise

    def existing(self) -> dict[str, csv_format.Row]:
        records = self.model._default_manager.values_list(*self.columns.values())
        rows = [dict(zip(self.columns, record, strict=True)) for record in records]
        return {row[self.key]: row for row in rows}


OFFICES = _Tree(
    table="offices",
    model=Office,
    key="code",
    title="name",
    above="parent_code",
    columns={"code": "code", "name": "name", "parent_code": "parent__code"},
    kept=(
        ("name", gettext_lazy("keeps its name “%(name)s”"), "name"),
        ("parent_code", gettext_lazy("stays under %(parent)s"), "parent"),
    ),
    filled=gettext_lazy("is placed under %(parent)s"),
    above_param="parent",
    capitals=gettext_lazy(
        "office “%(name)s” differs only in capitals from the existing "
        "“%(existing)s”; spell it the same way."
    ),
    loop=gettext_lazy(
        "office “%(name)s” would be above itself (a loop through the offices the "
        "e-office already has)."
    ),
)
POSTS = _Tree(
    table="posts",
    model=Post,
    key="abbreviation",
    title="designation",
    above="reports_to",
    columns={
        "abbreviation": "abbreviation",
        "designation": "designation",
        "office_code": "office__code",
        "reports_to": "reports_to__abbreviation",
    },
    kept=(
        ("designation", gettext_lazy("keeps its designation “%(old)s”"), "old"),
        ("office_code", gettext_lazy("stays in %(office)s"), "office"),
        ("reports_to", gettext_lazy("still reports to %(post)s"), "post"),
    ),
    filled=gettext_lazy("will report to %(post)s"),
    above_param="post",
    capitals=gettext_lazy(
        "post “%(name)s” differs only in capitals from the existing "
        "“%(existing)s”; spell it the same way."
    ),
    loop=gettext_lazy(
        "post “%(name)s” would report to itself (a loop through the posts the "
        "e-office already has)."
    ),
)


def _without_known_references(
    rows: list[ParsedRow], column: str, listed: set[str], existing: set[str]
) -> list[ParsedRow]:
    """The rows with references to records the e-office already has blanked out, so the CSV
    format's checks (which know only the uploaded tables) accept them."""
    return [
        ParsedRow(row.line, {**row.values, column: ""})
        if row.values[column]
        and row.values[column] not in listed
        and row.values[column] in existing
        else row
        for row in rows
    ]


def _loops(rows: list[ParsedRow], key: str, parent_of: dict[str, str | None]) -> list[ParsedRow]:
    """The rows whose chain of parents (as the chart will be) comes back to themselves."""
    looping = []
    for row in rows:
        start, current, steps = row.values[key], parent_of.get(row.values[key]), 0
        while current and steps <= len(parent_of):
            if current == start:
                looping.append(row)
                break
            current, steps = parent_of.get(current), steps + 1
    return looping


def _plan_tree(
    tree: _Tree,
    rows: list[ParsedRow],
    check: Callable[[list[ParsedRow]], object],
    problems: _Problems,
) -> list[PlannedRow] | None:
    """Plans the lines of a tree table (see _Tree) once `check` (the CSV format's check of the
    table, given the rows with references to existing records blanked out) accepts them, and
    once merged with the chart the e-office has: a new name that differs from an existing one
    only in capitals, and a loop in the tree, are refused. An existing link is kept, as the
    import keeps it, so only rows that add one can close a loop. None if any line is refused."""
    existing = tree.existing()
    listed = {row.values[tree.key] for row in rows}
    try:
        check(_without_known_references(rows, tree.above, listed, set(existing)))
    except ValidationError as error:
        problems.extend(tree.table, error)
        return None
    lower = {name.lower(): name for name in existing}
    merged: dict[str, str | None] = {name: values[tree.above] for name, values in existing.items()}
    for row in rows:
        name, above = row.values[tree.key], row.values[tree.above] or None
        if name not in existing and name.lower() in lower:
            problems.add(
                tree.table, row.line, str(tree.capitals), name=name, existing=lower[name.lower()]
            )
        if name not in existing or existing[name][tree.above] is None:
            merged[name] = above
    for row in _loops(rows, tree.key, merged):
        problems.add(tree.table, row.line, str(tree.loop), name=row.values[tree.key])
    if problems.has(tree.table):
        return None
    planned = []
    for row in rows:
        values = row.values
        label = f"{values[tree.key]} · {values[tree.title]}"
        old = existing.get(values[tree.key])
        if old is None:
            planned.append(PlannedRow(row.line, label, Change.NEW))
            continue
        notes = [
            str(note) % {param: old[column]}
            for column, note, param in tree.kept
            if old[column] and old[column] != values[column]
        ]
        if notes:
            planned.append(PlannedRow(row.line, label, Change.KEPT, "; ".join(notes)))
        elif values[tree.above] and old[tree.above] is None:
            note = str(tree.filled) % {tree.above_param: values[tree.above]}
            planned.append(PlannedRow(row.line, label, Change.UPDATE, note))
        else:
            planned.append(PlannedRow(row.line, label, Change.SAME))
    return planned


# --- Officers and channels ----------------------------------------------------------------------


def _check_officers(
    rows: list[ParsedRow], posts: set[str], problems: _Problems, plan: ImportPlan
) -> None:
    try:
        checked = csv_format.check_officers(rows, posts=posts)
    except ValidationError as error:
        problems.extend("officers", error)
        return
    today = timezone.localdate()
    accounts = {
        user.email: user
        for user in User.objects.filter(email__in=[values["email"] for values in checked])
    }
    current = (
        Posting.objects.filter(post__abbreviation__in=[values["post"] for values in checked])
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=today))
        .select_related("officer", "post")
    )
    holders: dict[str, list[Posting]] = {}
    for posting in current:
        holders.setdefault(posting.post.abbreviation, []).append(posting)
    planned = []
    for row, values in zip(rows, checked, strict=True):
        account = accounts.get(values["email"])
        label = f"{values['full_name']} <{values['email']}> · {values['post']}"
        if account is not None and not account.is_active:
            problems.add(
                "officers",
                row.line,
                gettext("the account of %(email)s is deactivated."),
                email=values["email"],
            )
            continue
        if account is not None and account.is_staff:
            # Four eyes: an administrator is posted on the post's page, by another
            # administrator who gives the reason (see four_eyes); a table gives none.
            problems.add(
                "officers",
                row.line,
                gettext(
                    "%(email)s is an administrator of this e-office; an administrator is "
                    "posted on the post's page, by another administrator who gives the reason."
                ),
                email=values["email"],
            )
            continue
        postings = holders.get(values["post"], [])
        if account is not None and any(p.officer_id == account.pk for p in postings):
            planned.append(PlannedRow(row.line, label, Change.SAME))
            continue
        regular = next((p for p in postings if not p.is_additional_charge), None)
        if regular is not None:
            problems.add(
                "officers",
                row.line,
                gettext(
                    "post “%(post)s” is held by %(officer)s; transfer it on the post's page "
                    "to change its holder."
                ),
                post=values["post"],
                officer=regular.officer,
            )
            continue
        if account is None:
            plan.new_accounts.append(values["email"])
            note = gettext("a new account, invited by e-mail, posted from today")
        else:
            note = gettext("posted from today")
        planned.append(PlannedRow(row.line, label, Change.NEW, note))
    plan.officers = checked
    plan.lines["officers"] = planned


def _check_channels(
    rows: list[ParsedRow], posts: set[str], problems: _Problems, plan: ImportPlan
) -> None:
    try:
        checked = csv_format.check_channels(rows, posts=posts)
    except ValidationError as error:
        problems.extend("channels", error)
        return
    existing = set(
        SubmissionChannel.objects.values_list("from_post__abbreviation", "to_post__abbreviation")
    )
    plan.channels = checked
    plan.lines["channels"] = [
        PlannedRow(
            row.line,
            f"{values['from_post']} → {values['to_post']}",
            Change.SAME if (values["from_post"], values["to_post"]) in existing else Change.NEW,
        )
        for row, values in zip(rows, checked, strict=True)
    ]


def check_import(
    *, offices: str = "", posts: str = "", officers: str = "", channels: str = ""
) -> ImportPlan:
    """Checks CSV tables in the org chart's CSV format (eoffice.org_chart_csv) against each
    other and against the chart the e-office already has: a reference may name an office or
    post that exists. Returns what applying them would change, line by line.

    Raises ValidationError keyed by table name ("offices" …) with every problem of every table,
    each message starting with its line number.
    """
    problems = _Problems()
    rows = {
        table.name: _parsed(table, text, problems)
        for table, text in (
            (csv_format.OFFICES, offices),
            (csv_format.POSTS, posts),
            (csv_format.OFFICERS, officers),
            (csv_format.CHANNELS, channels),
        )
    }
    if not problems.by_table and not any(rows.values()):
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext("Nothing to import: every table is empty.")}
        )
    plan = ImportPlan()
    if rows["offices"]:
        planned = _plan_tree(OFFICES, rows["offices"], csv_format.check_offices, problems)
        if planned is not None:
            plan.offices = [row.values for row in rows["offices"]]
            plan.lines["offices"] = planned
    if rows["posts"]:
        office_codes = {row.values["code"] for row in rows["offices"]} | set(
            Office.objects.values_list("code", flat=True)
        )
        planned = _plan_tree(
            POSTS,
            rows["posts"],
            lambda checked: csv_format.check_posts(checked, office_codes=office_codes),
            problems,
        )
        if planned is not None:
            plan.posts = [row.values for row in rows["posts"]]
            plan.lines["posts"] = planned
    known_posts = {row.values["abbreviation"] for row in rows["posts"]} | set(
        Post.objects.values_list("abbreviation", flat=True)
    )
    if rows["officers"]:
        _check_officers(rows["officers"], known_posts, problems, plan)
    if rows["channels"]:
        _check_channels(rows["channels"], known_posts, problems, plan)
    if problems.by_table:
        raise ValidationError(problems.by_table)
    return plan


@transaction.atomic
def import_org_chart(
    *,
    offices: str = "",
    posts: str = "",
    officers: str = "",
    channels: str = "",
    site: Site | None = None,
    actor: User,
    origin: Origin,
) -> ImportPlan:
    """Applies CSV tables (see check_import) all together or not at all.

    Like seed_org_chart it only adds: what exists is kept (a missing parent office or reporting
    post is filled in), so applying the same tables again changes nothing. A listed officer
    without an account gets one and, given `site`, an invitation e-mail; a listed officer is
    posted from today unless they already hold the post, and the post's reporting officer is
    told (administrators are never posted by a table: see check_import). Tables that change
    nothing record nothing.
    """
    lock_chart()
    plan = check_import(offices=offices, posts=posts, officers=officers, channels=channels)
    seed_org_chart(offices=plan.offices, posts=plan.posts, officers=[], channels=plan.channels)
    today = timezone.localdate()
    for values in plan.officers:
        officer = User.objects.filter(email=values["email"]).first()
        if officer is None:
            officer = create_account(email=values["email"], full_name=values["full_name"])
            if site is not None:
                invite_after_commit(site, officer)
        post = Post.objects.get(abbreviation=values["post"])
        if not open_postings(post, today).filter(officer=officer).exists():
            notices.tell(
                recipients=reporting_officers(post, today, excluding=(officer, actor)),
                kind=Notice.Kind.POSTED,
                post=post,
                officer=officer,
                actor=actor,
                from_date=today,
            )
            Posting.objects.create(officer=officer, post=post, from_date=today)
    if plan.changes:
        recorded(actor, origin, OrgChange.Action.CHART_IMPORTED, _import_summary(plan, site))
    return plan


def _import_summary(plan: ImportPlan, site: Site | None) -> str:
    """E.g. "Chart imported from CSV: 2 offices added, 2 posts added, 2 officers posted (1 new
    account, invited by e-mail) and 2 channels of submission added; 3 lines already in place or
    kept"."""
    parts = []
    if added := plan.count("offices", Change.NEW):
        parts.append(f"{counted(added, 'office', 'offices')} added")
    if placed := plan.count("offices", Change.UPDATE):
        parts.append(f"{counted(placed, 'office', 'offices')} placed under a parent office")
    if added := plan.count("posts", Change.NEW):
        parts.append(f"{counted(added, 'post', 'posts')} added")
    if bosses := plan.count("posts", Change.UPDATE):
        parts.append(f"{counted(bosses, 'post', 'posts')} given a reporting post")
    if posted := plan.count("officers", Change.NEW):
        accounts = ""
        if plan.new_accounts:
            invited = ", invited by e-mail" if site is not None else ""
            new = counted(len(plan.new_accounts), "new account", "new accounts")
            accounts = f" ({new}{invited})"
        parts.append(f"{counted(posted, 'officer', 'officers')} posted{accounts}")
    if added := plan.count("channels", Change.NEW):
        channels = counted(added, "channel of submission", "channels of submission")
        parts.append(f"{channels} added")
    summary = f"Chart imported from CSV: {names(parts)}"
    if plan.unchanged:
        summary += f"; {counted(plan.unchanged, 'line', 'lines')} already in place or kept"
    return summary
