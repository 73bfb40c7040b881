from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EofficeConfig(AppConfig):
    name = "eoffice"
    verbose_name = "e-Office"

    def ready(self) -> None:
        post_migrate.connect(guard_new_tables, sender=self, dispatch_uid="eoffice_guard_tables")


def guard_new_tables(using: str = "default", **kwargs: Any) -> None:
    """Gives the write-mode trigger to every table of the migrated tenant schema that lacks it,
    so tables added by any app's later migration are covered (see eoffice.write_modes)."""
    from django.db import connections

    connection = connections[using]
    schema = getattr(connection, "schema_name", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regprocedure(quote_ident(%s) || '.eoffice_guard_every_table(text)')",
            [schema],
        )
        if cursor.fetchone()[0] is None:
            return  # the public schema, or a schema before eoffice's migration 0008
        quoted = connection.ops.quote_name(schema)
        cursor.execute(f"SELECT {quoted}.eoffice_guard_every_table(%s)", [schema])
