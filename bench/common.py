"""What every benchmark needs: a database of its own on the local stack's server."""

from __future__ import annotations

import contextlib
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))
sys.path.insert(0, str(ROOT))

import localstack  # noqa: E402 - platform/ is a folder of scripts, not a package

BENCH_DATABASE = "eoffice_bench"


def recreate_database(server_url: str, name: str = BENCH_DATABASE) -> str:
    """Drops and creates the benchmark's own database; returns its URL. Touches nothing else."""
    import psycopg

    parts = urllib.parse.urlsplit(server_url)
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def bench_environment(name: str = BENCH_DATABASE) -> Iterator[dict[str, str]]:
    """The environment of a benchmark run: a fresh database `name` (by default
    `eoffice_bench`; another name lets two benchmarks run on one server at once)."""
    with localstack.database() as env:
        env["DATABASE_URL"] = recreate_database(env["DATABASE_URL"], name)
        env["CELERY_QUEUE"] = "eoffice-bench"
        yield env
