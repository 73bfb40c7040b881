"""Querysets compiled once per process: the hot reads of every page, without the ORM's compile.

Django builds and compiles a queryset anew each time it runs: for the officer's desk, read on
every e-office page, that is 0.9 ms of CPU a query against 0.15 ms to run it (issue 12,
`make bench-web-cpu`). `@prepared` builds the queryset once per *shape* of its arguments with
stand-in values, compiles it, finds where each stand-in landed among the SQL's parameters, and
from then on binds the real values into that SQL::

    @prepared
    def current_postings(officer_id: int, on: date) -> QuerySet[Posting]:
        return Posting.objects.filter(officer_id=officer_id, from_date__lte=on)...

    postings = current_postings(officer.pk, today)   # a list of Posting, run now

What a builder may take, and what makes a shape: an `int`, `str`, `date` or `datetime` argument
is a parameter; a list, tuple, set or frozenset of those is one parameter per element (its
length is part of the shape: `IN (%s, %s)` differs from `IN (%s)`); `None`, `bool`, enum
members and values wrapped in `Shape(...)` are part of the shape itself, given to the builder
as they are (a Shape with its `.value`): they change the SQL (`IS NULL`, a sort order, a
slice's LIMIT). Anything else is refused. A builder sees stand-ins for its parameters, so it
may test whether one is None but must never branch on its value: what it branches on, it takes
as a Shape. A builder must derive everything else in its SQL from constants of the code, never
from the database (a content type's id, a setting read from a table): the compiled SQL is kept
per schema and time zone, but it is shared by every call of one shape.

What it guarantees:
- each stand-in must reach the SQL as a parameter, never inlined into its text, or preparing
  fails loudly (so does a builder whose SQL does not use an argument at all);
- the result is exactly what the builder's queryset would give (models with their
  select_related objects, values, values_list rows), evaluated at the call, as a list; a call
  can never chain more filters onto SQL compiled without them;
- the connection is the calling thread's own (the compiled form holds none);
- a shape whose SQL is certain to be empty (`pk__in=[]`) returns [] without a query.
"""

from __future__ import annotations

import copy
import enum
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, ParamSpec, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet, Value
from django.db.models.sql.query import Query
from django.utils import timezone

from config.tenancy import current_schema

P = ParamSpec("P")
M = TypeVar("M")

# Compiled shapes kept per process, across schemas; past the bound the oldest compiled go first.
CACHE_SIZE = 2048

_SCALARS = (int, str, date)  # datetime is a date
_COLLECTIONS = (list, tuple, set, frozenset)


@dataclass(frozen=True)
class Shape:
    """A value that decides the form of the SQL (a sort order, an OFFSET): one compiled shape
    per value; the builder reads it as `.value`."""

    value: Any


class PreparedQueryError(TypeError):
    """A builder that cannot be prepared: what it was given or what its SQL does with it."""


class _Stand:
    """Stand-in values: never real ids (negative, in a smallint's range, as Django refuses an
    integer outside a column's range before it reaches the SQL), dates in year 1, strings with
    a private-use character."""

    def __init__(self) -> None:
        self.count = 0

    def make(self, value: Any) -> Any:
        self.count += 1
        if isinstance(value, bool):
            raise AssertionError("booleans are part of the shape")
        if isinstance(value, int):
            return -32000 - self.count
        if isinstance(value, datetime):
            return datetime(1, 1, 1, tzinfo=value.tzinfo) + timedelta(minutes=self.count)
        if isinstance(value, date):
            return date(1, 1, 1) + timedelta(days=self.count)
        return f"\ue000prepared-{self.count}\ue000"


def _kind(value: Any) -> Any:
    """What the value contributes to the shape; raises for what cannot be prepared."""
    if value is None or isinstance(value, bool | enum.Enum):
        return ("value", value)
    if isinstance(value, Shape):
        return ("value", value)
    if isinstance(value, _SCALARS):
        return type(value).__name__
    if isinstance(value, _COLLECTIONS):
        for element in value:
            if (
                element is None
                or isinstance(element, bool | enum.Enum)
                or not isinstance(element, _SCALARS)
            ):
                raise PreparedQueryError(
                    f"a prepared query takes collections of int, str or date, not of {element!r}"
                )
        return ("many", len(value))
    raise PreparedQueryError(
        f"a prepared query takes int, str, date, None, bool, enum members and collections of "
        f"them; pass the id rather than {type(value).__name__}"
    )


def _flat(value: Any) -> list[Any]:
    """The parameters an argument binds, in a fixed order (a set's elements sorted)."""
    if value is None or isinstance(value, bool | enum.Enum | Shape):
        return []
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet | None  # None: the SQL is certain to be empty
    compiler: Any
    sql: str
    params: tuple[Any, ...]
    # For each parameter of the SQL: which argument value goes there (its index among all the
    # flattened arguments), or None for a constant of the builder.
    slots: tuple[int | None, ...]


class _PreparedSQLQuery(Query):
    """A query that answers with its compiled SQL and bound parameters."""

    compiled: _Compiled
    bound: tuple[Any, ...]

    def get_compiler(
        self, using: str | None = None, connection: Any = None, elide_empty: bool = True
    ) -> Any:
        compiler = copy.copy(self.compiled.compiler)
        compiler.connection = (
            connection if connection is not None else connections[using or DEFAULT_DB_ALIAS]
        )
        compiler.using = using
        compiler.query = self
        sql, params = self.compiled.sql, self.bound
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler


class Prepared(Generic[P, M]):
    def __init__(self, build: Callable[P, QuerySet[Any, M]], using: str = DEFAULT_DB_ALIAS):
        self.build = build
        self.using = using
        self._shapes: OrderedDict[tuple[Any, ...], _Compiled] = OrderedDict()
        self._lock = threading.Lock()
        functools.update_wrapper(self, build)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[M]:
        names = sorted(kwargs)
        values = [*args, *(kwargs[name] for name in names)]
        shape = (
            current_schema(),
            timezone.get_current_timezone_name(),
            len(args),
            tuple(names),
            tuple(_kind(value) for value in values),
        )
        compiled = self._shapes.get(shape)
        if compiled is None:
            compiled = self._compile(args, kwargs, names)
            with self._lock:
                self._shapes[shape] = compiled
                while len(self._shapes) > CACHE_SIZE:
                    self._shapes.popitem(last=False)
        if compiled.queryset is None:
            return []
        flat = [element for value in values for element in _flat(value)]
        bound = tuple(
            compiled.params[at] if slot is None else flat[slot]
            for at, slot in enumerate(compiled.slots)
        )
        queryset = compiled.queryset._chain()  # type: ignore[attr-defined]
        query = queryset.query
        query.__class__ = _PreparedSQLQuery
        query.compiled, query.bound = compiled, bound
        return list(queryset)

    def _compile(self, args: Iterable[Any], kwargs: dict[str, Any], names: list[str]) -> _Compiled:
        stand = _Stand()
        slot_of: dict[Any, int] = {}

        def stand_in(value: Any) -> Any:
            kind = _kind(value)
            if isinstance(kind, tuple) and kind[0] == "value":
                return value
            made = [stand.make(element) for element in _flat(value)]
            for element in made:
                slot_of[element] = len(slot_of)
            return made[0] if not isinstance(value, _COLLECTIONS) else made

        stand_args = [stand_in(value) for value in args]
        stand_kwargs = {name: stand_in(kwargs[name]) for name in names}
        queryset = self.build(*stand_args, **stand_kwargs)
        if not isinstance(queryset, QuerySet):
            raise PreparedQueryError(f"{self.build.__qualname__} must return a QuerySet")
        compiler = queryset.query.get_compiler(using=self.using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(None, None, "", (), ())
        slots = tuple(slot_of.get(p) if _hashable(p) else None for p in params)
        missing = set(slot_of.values()) - set(slots)
        if missing:
            lost = [value for value, slot in slot_of.items() if slot in missing]
            raise PreparedQueryError(
                f"{self.build.__qualname__}: the values {lost!r} stood in for arguments but "
                "are not parameters of its SQL (transformed by a lookup, out of a column's "
                "range, inlined, or unused), so its SQL cannot be reused for other values"
            )
        for value in slot_of:
            if str(value) in sql:
                raise PreparedQueryError(
                    f"{self.build.__qualname__}: {value!r} is written into the SQL's text"
                )
        # The compiler's select, klass_info and annotation map are set by as_sql and read by
        # the iterables; it is copied for each call and never run itself.
        compiler.connection = None
        return _Compiled(queryset, compiler, sql, tuple(params), slots)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def totals(queryset: QuerySet[Any, Any], **aggregates: Any) -> QuerySet[Any, dict[str, Any]]:
    """`queryset.aggregate(**aggregates)` as a queryset, so that it can be prepared: one row of
    the aggregates, also when no row matches (a constant groups nothing, so PostgreSQL
    aggregates the whole set: the SQL has no GROUP BY)."""
    return (
        queryset.order_by()
        .annotate(_whole_set=Value(1))
        .values("_whole_set")
        .annotate(**aggregates)
        .values(*aggregates)
    )


def prepared(build: Callable[P, QuerySet[Any, M]]) -> Prepared[P, M]:
    """Decorates a function that builds a queryset from its arguments: see the module."""
    return Prepared(build)


__all__ = ["CACHE_SIZE", "Prepared", "PreparedQueryError", "Shape", "prepared", "totals"]
