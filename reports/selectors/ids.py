"""A filter on a set of ids sent as one array parameter.

A scope of thousands of tenants (a partner's) as `pk__in` is an IN list of one parameter per
id, which Django compiles and PostgreSQL plans again in every query of the report; `= ANY`
takes the ids as a single array.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F


class AnyOf(Expression):
    """`field = ANY(ids)`, usable in filter() and When()."""

    conditional = True

    def __init__(self, field: str, ids: Collection[int]) -> None:
        super().__init__(output_field=BooleanField())
        self.column = F(field)
        self.ids = sorted(ids)

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s::bigint[])", [*params, self.ids]
