"""A real HTTP server and a real Chromium for end-to-end tests.

pytest-django's live_server would flush the database after each test (it requires
transactional_db), wiping the session's tenants; this server instead serves the committed
session data from threads of its own.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection
from playwright.sync_api import Browser
from pytest_django import DjangoDbBlocker

from tests.conftest import World

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server_port(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    # Each request's thread opens its own connection; closing it after the request leaves
    # none behind when the test database is dropped.
    connection.settings_dict["CONN_MAX_AGE"] = 0
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        yield server.server_address[1]
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def browser(db: None) -> Iterator[Browser]:
    """A Chromium that lives strictly inside one test's database transaction.

    Playwright's sync API registers an event loop on this thread, and while one is registered
    asgiref (and so Django) keeps database connections per context instead of per thread: a
    browser that outlived the test would strand the test's connection, open, until the test
    database could no longer be dropped. So it starts after `db` and stops before it.
    """
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
