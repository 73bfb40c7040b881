"""Two tenants hammered through PgBouncer in transaction pooling mode: every query runs in its
own tenant's schema, whichever server connection the pooler hands it."""

from __future__ import annotations

import os
import random
import shutil
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from config.database.base import DatabaseWrapper
from tests import worker
from tests.conftest import World

sys.path.insert(0, str(worker.ROOT / "platform"))
import pgbouncer_local

pytestmark = pytest.mark.django_db  # the test database; the pooled work commits on its own

THREADS = 8
ROUNDS = 60


def _admin_sql(sql: str) -> list[tuple[Any, ...]]:
    """Runs `sql` committed, outside the test's transaction (the pooled clients must see it)."""
    import psycopg

    with psycopg.connect(worker.test_database_url(), autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def pooled(world: World) -> Iterator[dict[str, Any]]:
    """Connection settings through a PgBouncer of 2 server connections (so clients share them)."""
    if not shutil.which("pgbouncer") and not os.path.exists("/usr/sbin/pgbouncer"):
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is missing; .ci/run installs Debian's pgbouncer package.")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    schemas = [world.punjab.tenant.schema_name, world.sindh.tenant.schema_name]
    for schema in schemas:
        _admin_sql(f'CREATE TABLE "{schema}".pool_probe (tenant text NOT NULL)')
    try:
        with pgbouncer_local.running_pgbouncer(worker.test_database_url(), pool_size=2) as url:
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            yield _settings_through(port, transaction_pooling=True)
    finally:
        for schema in schemas:
            _admin_sql(f'DROP TABLE IF EXISTS "{schema}".pool_probe')


def _settings_through(port: int, *, transaction_pooling: bool) -> dict[str, Any]:
    return {
        **connections.settings["default"],
        "HOST": "127.0.0.1",
        "PORT": port,
        "CONN_MAX_AGE": 0,
        "TRANSACTION_POOLING": transaction_pooling,
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }


def _connect(settings_dict: dict[str, Any]) -> Any:
    """A connection outside Django's handler (an alias it does not know, so the test case
    allows it from other threads)."""
    return DatabaseWrapper(dict(settings_dict), alias="through-pgbouncer")


def _hammer(
    settings_dict: dict[str, Any],
    schemas: list[str],
    seed: int,
    failures: list[str],
    inserted: dict[str, int],
) -> None:
    rng = random.Random(seed)  # noqa: S311 - a repeatable mix of work, not a secret
    db = _connect(settings_dict)
    try:
        for round_ in range(ROUNDS):
            schema = rng.choice(schemas)
            db.set_schema(schema)
            if rng.random() < 0.5:  # autocommit: each statement its own transaction
                with db.cursor() as cursor:
                    cursor.execute("SELECT current_schema()")
                    seen = cursor.fetchone()[0]
                    cursor.execute("INSERT INTO pool_probe (tenant) VALUES (%s)", [schema])
                inserted[schema] += 1
                if seen != schema:
                    failures.append(f"round {round_}: autocommit query ran in {seen}, not {schema}")
                continue
            db.set_autocommit(False)  # what transaction.atomic does on the outermost block
            with db.cursor() as cursor:
                for _ in range(3):
                    cursor.execute("INSERT INTO pool_probe (tenant) VALUES (%s)", [schema])
                    cursor.execute("SELECT current_schema()")
                    seen = cursor.fetchone()[0]
                    if seen != schema:
                        failures.append(f"round {round_}: transaction ran in {seen}, not {schema}")
                other = schemas[1 - schemas.index(schema)]
                db.set_schema(other)  # a schema change inside the transaction is honoured too
                cursor.execute("SELECT current_schema()")
                if cursor.fetchone()[0] != other:
                    failures.append(f"round {round_}: switch inside a transaction ignored")
                cursor.execute("INSERT INTO pool_probe (tenant) VALUES (%s)", [other])
            db.commit()
            db.set_autocommit(True)
            inserted[schema] += 3
            inserted[other] += 1
    except Exception as error:
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        db.close()


def test_no_query_ever_runs_in_the_other_tenants_schema(
    world: World, pooled: dict[str, Any]
) -> None:
    schemas = [world.punjab.tenant.schema_name, world.sindh.tenant.schema_name]
    failures: list[str] = []
    counts = [{schema: 0 for schema in schemas} for _ in range(THREADS)]
    threads = [
        threading.Thread(target=_hammer, args=(pooled, schemas, seed, failures, counts[seed]))
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    for schema in schemas:
        found = dict(
            _admin_sql(f'SELECT tenant, count(*) FROM "{schema}".pool_probe GROUP BY tenant')
        )
        assert set(found) == {schema}, f"rows of another tenant in {schema}: {found}"
        assert found[schema] == sum(count[schema] for count in counts)


def test_a_session_search_path_through_the_pool_would_leak(
    world: World, pooled: dict[str, Any]
) -> None:
    """The danger the backend avoids, shown with one server connection for two clients."""
    punjab, sindh = world.punjab.tenant.schema_name, world.sindh.tenant.schema_name
    with pgbouncer_local.running_pgbouncer(worker.test_database_url(), pool_size=1) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        through = _settings_through(port, transaction_pooling=False)
        first, second = _connect(through), _connect(through)
        try:
            first.set_schema(punjab)
            second.set_schema(sindh)
            with first.cursor() as cursor:
                cursor.execute("SELECT 1")  # sends SET search_path = punjab on the one server
            with second.cursor() as cursor:
                cursor.execute("SELECT 1")  # the same server connection, now set to sindh
            with first.cursor() as cursor:
                cursor.execute("SELECT current_schema()")  # first believes punjab is set
                assert cursor.fetchone()[0] == sindh
        finally:
            first.close()
            second.close()
