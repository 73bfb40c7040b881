"""A table's checksum as PostgreSQL computes it: what a backup records and a restore compares.

The checksum is md5 over the text of every row (`t::text`, the record's output form) joined by
newlines in primary-key order (the whole row's text for a table without one). It is computed by
the database rather than over the COPY files so that it checks what the restore actually loaded:
a row that COPY parsed differently, a column dropped or shifted, a table left half-filled all
change it, while the archive's own sha256 only proves the bytes were stored unchanged. Row text
depends on column order and types only, both of which pg_dump's schema script preserves, so the
same rows give the same checksum in the source schema and in a restore under another name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg import sql


@dataclass(frozen=True)
class TableChecksum:
    rows: int
    md5: str


def _primary_key(cursor: Any, schema: str, table: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_index i "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass "
        "  AND i.indisprimary ORDER BY k.position",
        [schema, table],
    )
    return [row[0] for row in cursor.fetchall()]


def table_checksum(cursor: Any, schema: str, table: str) -> TableChecksum:
    """Row count and md5 of one table, read in the cursor's transaction (and snapshot)."""
    key = _primary_key(cursor, schema, table)
    order = (
        sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(column)) for column in key)
        if key
        else sql.SQL("t::text")
    )
    query = sql.SQL(
        "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '')) "
        "FROM {table} AS t"
    ).format(order=order, table=sql.Identifier(schema, table))
    cursor.execute(query.as_string(connection.connection))
    rows, digest = cursor.fetchone()
    return TableChecksum(rows=int(rows), md5=str(digest))


def schema_checksums(schema: str, tables: list[str]) -> dict[str, TableChecksum]:
    """The checksum of each of `tables` of `schema`; call it inside the transaction whose rows
    are to be checked (a restore's, before it commits)."""
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            result[table] = table_checksum(cursor, schema, table)
    return result
