"""Which writes a tenant schema accepts, enforced by the database itself.

Every tenant schema holds one row, `eoffice_writemode`, naming its write mode, and every table
of the schema has a trigger (`eoffice_write_mode`, and `eoffice_write_mode_truncate` for
TRUNCATE) that refuses INSERT, UPDATE, DELETE and TRUNCATE unless the mode allows it:

- `open`: everything (an active e-office);
- `suspended`: only the writes in SUSPENDED_WRITES below, the one list of what a suspended
  e-office still accepts (signing in, reading, and the record of who read what);
- `frozen`: nothing (an e-office being archived, or archived: no write may land after the
  archive's snapshot).

The control plane sets the mode in the transaction of the lifecycle transition (provisioning's
lifecycle services). The trigger reads the mode row FOR SHARE, so changing the mode waits for
every transaction that wrote to the schema under the old mode: once a freeze has committed, no
write made before it can still commit after it, whether it came from a request, a task or a
shell. A refused write raises SQLSTATE 25006 (read_only_sql_transaction) with REFUSAL_PREFIX.

The database's copy of SUSPENDED_WRITES is the function `eoffice_suspended_write_allowed`,
rendered by `suspended_writes_sql()` into a migration; tests check that the function every
schema has is the one this list renders, so changing the list needs a new migration that runs
`suspended_writes_sql()`'s output. Tables that later migrations add get the trigger after every
migrate (eoffice.apps); a test checks that every table of a tenant schema has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import DatabaseError

OPEN = "open"
SUSPENDED = "suspended"
FROZEN = "frozen"
MODES = (OPEN, SUSPENDED, FROZEN)

REFUSAL_SQLSTATE = "25006"
REFUSAL_PREFIX = "e-office write refused"
GUARD_TRIGGER = "eoffice_write_mode"
TRUNCATE_TRIGGER = "eoffice_write_mode_truncate"

# Tables without the trigger: the mode itself (the control plane changes it in every mode),
# and the record of applied migrations, which change the schema's shape, not its records (a
# migration committed after an archive's snapshot is applied again when it is restored).
UNGUARDED_TABLES = ("eoffice_writemode", "django_migrations")

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Allowed:
    """One kind of write a suspended e-office accepts.

    `only_columns`: an UPDATE may change these columns and nothing else.
    `values`: an INSERT is accepted only when each named column holds one of the values.
    """

    table: str
    operations: tuple[str, ...]
    why: str
    only_columns: tuple[str, ...] = ()
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()


SUSPENDED_WRITES: tuple[Allowed, ...] = (
    Allowed(
        table="django_session",
        operations=("INSERT", "UPDATE", "DELETE"),
        why="Signing in and out, and keeping an officer's session alive.",
    ),
    Allowed(
        table="accounts_user",
        operations=("UPDATE",),
        only_columns=("last_login", "language"),
        why="Sign-in records when; an officer may read in the language they choose.",
    ),
    Allowed(
        table="mfa_authenticator",
        operations=("UPDATE",),
        only_columns=("last_used_at", "data"),
        why="Two-factor sign-in records the authenticator's use and marks a recovery code used.",
    ),
    Allowed(
        table="eoffice_auditentry",
        operations=("INSERT",),
        values=(("action", ("view", "refused")),),
        why="Who read what, and who was refused what, stays on record while nothing changes.",
    ),
    Allowed(
        table="eoffice_movement",
        operations=("UPDATE",),
        only_columns=("read_at", "read_by_id"),
        why="When the post an item was sent to opened it (its append-only trigger allows no "
        "other change).",
    ),
    Allowed(
        table="accounts_activeday",
        operations=("INSERT",),
        why="An officer who signs in to a suspended e-office still counts as active that day "
        "(usage and billing read it).",
    ),
    Allowed(
        table="eoffice_reportedmonth",
        operations=("INSERT", "UPDATE"),
        why="The platform's published figures for the e-office still reach it while it is "
        "suspended (the federal report covers suspended tenants too).",
    ),
)


def _literal(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a plain lower-case SQL name.")
    return f"'{name}'"


def _array(names: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(_literal(name) for name in names) + "]"


def _condition(rule: Allowed, operation: str) -> str:
    if operation == "UPDATE" and rule.only_columns:
        columns = _array(rule.only_columns)
        return f"(old_row - {columns}) = (new_row - {columns})"
    if operation == "INSERT" and rule.values:
        return " AND ".join(
            f"(new_row ->> {_literal(column)}) = ANY ({_array(accepted)})"
            for column, accepted in rule.values
        )
    return "true"


def suspended_writes_sql(rules: tuple[Allowed, ...] = SUSPENDED_WRITES) -> str:
    """The function that answers, for one row written while suspended, whether it is accepted."""
    seen: set[tuple[str, str]] = set()
    branches = []
    for rule in rules:
        for operation in rule.operations:
            if operation not in _OPERATIONS or (rule.table, operation) in seen:
                raise ValueError(f"{rule.table}: {operation} is not a new INSERT/UPDATE/DELETE.")
            seen.add((rule.table, operation))
            branches.append(
                f"    WHEN table_name = {_literal(rule.table)} AND operation = '{operation}'\n"
                f"      THEN {_condition(rule, operation)}"
            )
    body = "\n".join(branches)
    return (
        "CREATE OR REPLACE FUNCTION eoffice_suspended_write_allowed(\n"
        "  table_name text, operation text, old_row jsonb, new_row jsonb\n"
        ") RETURNS boolean LANGUAGE sql IMMUTABLE AS $$\n"
        f"  SELECT CASE\n{body}\n    ELSE false\n  END\n$$;\n"
    )


def is_refused_write(error: BaseException) -> bool:
    """Whether a database error is a write the schema's write mode refused."""
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == REFUSAL_SQLSTATE and REFUSAL_PREFIX in str(cause)
