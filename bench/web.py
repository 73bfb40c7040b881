"""The web process as production runs it, and the sign-in form, for the benchmarks that
drive a real server (bench/logins.py, bench/load/)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from typing import IO

from bench.common import ROOT

# The hidden field Django's CSRF protection puts into every form.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# What only a signed-in page says (templates/layouts: the greeting in the header).
SIGNED_IN_MARK = b"Welcome,"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_command() -> list[str]:
    """gunicorn with the production settings (platform/gunicorn.conf.py), access log off."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "platform/gunicorn.conf.py",
        "--access-logfile",
        "/dev/null",
        "config.wsgi",
    ]


def start_gunicorn(
    env: dict[str, str],
    port: int,
    *,
    log: IO[bytes] | None = None,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Starts the web process on `port` with `env` as its environment (DEBUG off); its error
    log (tracebacks of 5xx) goes to `log`, or nowhere."""
    return subprocess.Popen(
        gunicorn_command(),
        cwd=ROOT,
        env=dict(env, PORT=str(port), DJANGO_DEBUG="false"),
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=new_session,
    )
