"""A local PgBouncer in transaction pooling mode, in front of a given PostgreSQL.

    python platform/pgbouncer_local.py DATABASE_URL      (prints the pooled URL; Ctrl-C stops)

Benchmarks and tests start one with `running_pgbouncer(url)`; production runs its own
(platform/pgbouncer.ini shows the settings that matter). The web and worker processes then
connect with DATABASE_URL pointing at the pooler and DATABASE_POOL_MODE=transaction, which makes
config.database apply the tenant's search_path inside every transaction (SET LOCAL) instead of
once per connection: a server connection serves another client after each transaction.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as(host: str) -> str | None:
    """PgBouncer refuses to run as root; it then switches to an unprivileged account: for a
    server on a socket directory (the embedded one), the directory's owner, as nobody else may
    enter it."""
    if os.geteuid() != 0:
        return None
    if host.startswith("/") and Path(host).is_dir():
        owner = Path(host).stat().st_uid
        if owner != 0:
            return pwd.getpwuid(owner).pw_name
    for name in ("postgres", "embedded_postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("PgBouncer cannot run as root and no unprivileged account was found")


def _server_of(database_url: str) -> tuple[str, int, str]:
    parts = urllib.parse.urlsplit(database_url)
    # Not parts.hostname: it lowercases, and the embedded server's host is a socket directory.
    host = urllib.parse.unquote(parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0])
    return host or "127.0.0.1", parts.port or 5432, parts.username or "postgres"


def _check_reaches_server(url: str, log_file: Path) -> None:
    """One query through the pooler, so that a PgBouncer unable to reach its server (a socket
    it may not open, a refused login) fails here with its reason, not as timeouts later."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        log = log_file.read_text() if log_file.exists() else ""
        raise RuntimeError(f"PgBouncer cannot reach PostgreSQL ({error}): {log[-1500:]}") from error


def pooled_url(database_url: str, port: int) -> str:
    parts = urllib.parse.urlsplit(database_url)
    user = parts.username or "postgres"
    password = f":{parts.password}" if parts.password else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}{password}@127.0.0.1:{port}"))


@contextlib.contextmanager
def running_pgbouncer(
    database_url: str, *, pool_size: int = 20, max_clients: int = 2000
) -> Iterator[str]:
    """Starts PgBouncer (Debian's `pgbouncer`) before the server of DATABASE_URL; yields the URL
    that reaches the same database through it. Stops it on exit."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise RuntimeError("PgBouncer is not installed: apt-get install pgbouncer")
    host, server_port, user = _server_of(database_url)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    owner = _run_as(host)
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={host} port={server_port}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                # Local trust, as the server behind it; production sets auth_type and auth_file.
                "auth_type = trust",
                f"auth_file = {folder / 'users.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                f"max_client_conn = {max_clients}",
                # After PostgreSQL refused a login (a restart), retry in 1 s, not 15: requests
                # fail for the moment of the restart, not for a quarter of a minute after it.
                "server_login_retry = 1",
                # psycopg sends none of these at startup, but other clients (psql) may.
                "ignore_startup_parameters = extra_float_digits,options",
                f"logfile = {folder / 'pgbouncer.log'}",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        )
    )
    if owner:
        entry = pwd.getpwnam(owner)
        for path in (folder, *folder.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    command = [binary, *(["-u", owner] if owner else []), str(folder / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log_file = folder / "pgbouncer.log"
                log = log_file.read_text() if log_file.exists() else ""
                raise RuntimeError(f"PgBouncer exited at start: {log[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("PgBouncer did not start listening within 10 s")
        url = pooled_url(database_url, port)
        _check_reaches_server(url, folder / "pgbouncer.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with running_pgbouncer(sys.argv[1]) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
