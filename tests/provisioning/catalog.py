"""Everything PostgreSQL knows about one schema, with the schema's own name taken out."""

from typing import Any

from django.db import connection

QUERIES = {
    "relations": """
        SELECT c.relname, c.relkind, c.relpersistence
        FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "columns": """
        SELECT c.relname,
               -- the column's place among live ones: a column dropped by a migration leaves
               -- a gap in attnum that a freshly created table does not have
               row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
               a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
               a.attcollation::regcollation::text
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY 1, a.attnum""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, k.condeferrable, k.condeferred,
               pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE k.connamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
    "indexes": """
        SELECT indexname, tablename, indexdef FROM pg_indexes
        WHERE schemaname = %(ns)s ORDER BY 1""",
    "sequences": """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax,
               s.seqmin, s.seqcache, s.seqcycle, owner.relname, a.attname, d.deptype
        FROM pg_sequence s
        JOIN pg_class c ON c.oid = s.seqrelid
        LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
             AND d.refclassid = 'pg_class'::regclass
        LEFT JOIN pg_class owner ON owner.oid = d.refobjid
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
    "migrations": "SELECT app, name FROM {schema}.django_migrations ORDER BY 1, 2",
    "content_types": "SELECT app_label, model FROM {schema}.django_content_type ORDER BY 1, 2",
    "permissions": """
        SELECT ct.app_label, p.codename FROM {schema}.auth_permission p
        JOIN {schema}.django_content_type ct ON ct.id = p.content_type_id ORDER BY 1, 2""",
}


def describe_schema(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Tables, columns, types, defaults, constraints, indexes, sequences with their owners,
    recorded migrations and reference rows; every mention of `schema` becomes "S"."""
    described = {}
    with connection.cursor() as cursor:
        # Only public on the path: every reference into the schema is printed qualified.
        cursor.execute("SET search_path TO public")
        for part, query in QUERIES.items():
            cursor.execute(query.format(schema=f'"{schema}"'), {"ns": schema})
            rows = cursor.fetchall()
            if part == "indexes":
                rows = [
                    (name, table, _reparsed_index(cursor, schema, name, table, definition))
                    if " WHERE " in definition
                    else (name, table, definition)
                    for name, table, definition in rows
                ]
            described[part] = [_normalise(row, schema) for row in rows]
    return described


def _reparsed_index(cursor: Any, schema: str, name: str, table: str, definition: str) -> str:
    """The definition PostgreSQL gives the same index once its printed text is parsed again.

    A printed expression is not always a fixed point: Django's `type IN ('a', 'b')` prints as
    `(ARRAY['a'::varchar, 'b'::varchar])::text[]`, which parses back into per-element casts.
    Any schema made from printed DDL (pg_dump, or django-tenants' clone) holds the reparsed
    form, so partial indexes are compared after one round trip on both sides.
    """
    cursor.execute(f'CREATE TEMP TABLE _reparse (LIKE "{schema}"."{table}")')
    head = f'INDEX {name} ON "{schema}".{table} '
    head_unquoted = f"INDEX {name} ON {schema}.{table} "
    rest = definition.replace(head, "INDEX _reparse_idx ON pg_temp._reparse ", 1)
    rest = rest.replace(head_unquoted, "INDEX _reparse_idx ON pg_temp._reparse ", 1)
    cursor.execute(rest)
    cursor.execute("SELECT pg_get_indexdef('pg_temp._reparse_idx'::regclass)")
    reparsed = cursor.fetchone()[0]
    cursor.execute("DROP TABLE pg_temp._reparse")
    temp_table = reparsed.split(" ON ", 1)[1].split(" USING ", 1)[0]
    return reparsed.replace("_reparse_idx", name).replace(temp_table, f"S.{table}")


def _normalise(row: tuple[Any, ...], schema: str) -> tuple[Any, ...]:
    return tuple(
        value.replace(f'"{schema}".', "S.").replace(f"{schema}.", "S.")
        if isinstance(value, str)
        else value
        for value in row
    )
