"""A localstripe server for the partner portal's card tests, on a free port.

(The portal helper's stand-in: the stripe helper's tests/stripe_server.py, with the patches its
server script applies, replaces it at merge.)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """The base URL of a localstripe process that lives for the test session."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1)  # noqa: S310 - local
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_at_localstripe(settings: Any, localstripe_url: str) -> str:
    """Points the Stripe settings at the session's localstripe for one test."""
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_JS_URL = ""
    return localstripe_url
