"""A local Stripe for tests: platform/localstripe_server.py (localstripe, patched where it
departs from Stripe) on a free port, spoken to through the real `stripe` library; and a live
HTTP server of ours that localstripe delivers its signed webhooks to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection
from pytest_django import DjangoDbBlocker

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_localstripe"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stripe_env(api_base: str) -> dict[str, str]:
    """The STRIPE_* environment that points a process (a worker) at the local Stripe."""
    return {
        "STRIPE_API_BASE": api_base,
        "STRIPE_JS_URL": f"{api_base}/js.stripe.com/v3/",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[str]:
    """The local Stripe's base URL; also put in this process's environment, so a worker
    started afterwards speaks to it too."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "platform" / "localstripe_server.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1).close()  # noqa: S310 - local
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    saved = {name: os.environ.get(name) for name in stripe_env(url)}
    os.environ.update(stripe_env(url))
    yield url
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def stripe_settings(stripe_server: str, settings: Any) -> str:
    """Points this process's settings at the local Stripe; returns its base URL."""
    for name, value in stripe_env(stripe_server).items():
        setattr(settings, name, value)
    return stripe_server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def webhook_url(
    stripe_server: str, world: Any, django_db_blocker: DjangoDbBlocker
) -> Iterator[str]:
    """Our webhook endpoint on a live server of its own, registered with the local Stripe
    (POST /_config/webhooks/<id>), which then delivers every event to it, signed."""
    connection.settings_dict["CONN_MAX_AGE"] = 0
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        url = f"http://localhost:{server.server_address[1]}/billing/stripe/webhook/"
        register(stripe_server, hook_id="tests", url=url)
        yield url
        # localstripe cannot forget an endpoint; one that wants no events gets none.
        register(stripe_server, hook_id="tests", url=url, events=[])
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def register(
    api_base: str,
    *,
    hook_id: str,
    url: str,
    secret: str = WEBHOOK_SECRET,
    events: list[str] | None = None,
) -> None:
    """Registers a webhook endpoint with the local Stripe (every event, or only `events`)."""
    import json

    body: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = events
    address = f"{api_base}/_config/webhooks/{hook_id}"
    request = urllib.request.Request(address, data=json.dumps(body).encode())  # noqa: S310 - local
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - local
