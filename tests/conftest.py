"""Fixtures shared by every test: two real tenants with real schemas, made once per session.

Tests run against a real PostgreSQL (DATABASE_URL, or the embedded server that `make test`
starts). Each test runs in a transaction that is rolled back; the tenants, their schemas and
their accounts are committed once per session, so a worker process or a server thread sees them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context
from pytest_django import DjangoDbBlocker

from accounts.services import create_account
from config import request_limits
from config.celery import app
from config.tenancy import use_public_schema
from provisioning.blueprint import current_blueprint
from provisioning.services import provision_tenant
from tenants import routing
from tenants.models import Partner, Tenant
from tenants.services import (
    add_partner_member,
    create_partner,
    register_tenant,
    transition_tenant,
)
from tests.s3_server import aws_test_credentials, s3_endpoint  # noqa: F401 - fixtures
from tests.stripe_server import (  # noqa: F401 - fixtures
    stripe_env,
    stripe_server,
    stripe_settings,
    webhook_url,
)

PASSWORD = "Correct-Horse-2026"
ACTOR = "test-suite"
TENANT_SETUP_SECONDS: list[float] = []
TEMPLATE_SETUP_SECONDS: list[float] = []

# What counts in Redis (request budgets, heavy-work slots) is not counted without it: those
# tests need the server REDIS_URL names (.ci/run names the machine's), and say so when unset.
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis: REDIS_URL is not set (.ci/run sets it)"
)


@dataclass
class TestTenant:
    tenant: Tenant
    host: str
    admin_email: str
    officer_emails: list[str] = field(default_factory=list)

    @property
    def officer_email(self) -> str:
        return self.officer_emails[0]

    @property
    def account_count(self) -> int:
        return 1 + len(self.officer_emails)


@dataclass
class World:
    punjab: TestTenant
    sindh: TestTenant
    partner: Partner
    federal_admin_email: str
    partner_user_email: str
    control_host: str = "localhost"


def make_test_tenant(
    *, subdomain: str, name: str, partner: Partner | None, officers: int
) -> TestTenant:
    """Registers, approves and provisions a tenant, then adds a tenant admin and officers."""
    started = time.perf_counter()
    tenant = register_tenant(
        name=name, kind=Tenant.Kind.PROVINCE, subdomain=subdomain, partner=partner, actor=ACTOR
    )
    transition_tenant(tenant=tenant, to_state=Tenant.State.APPROVED, actor=ACTOR)
    tenant = provision_tenant(tenant=tenant, actor=ACTOR)
    TENANT_SETUP_SECONDS.append(time.perf_counter() - started)
    made = TestTenant(tenant=tenant, host=f"{subdomain}.localhost", admin_email="")
    with schema_context(tenant.schema_name):
        made.admin_email = f"admin@{subdomain}.example"
        create_account(
            email=made.admin_email, full_name=f"{name} Admin", password=PASSWORD, is_staff=True
        )
        for number in range(1, officers + 1):
            email = f"officer{number}@{subdomain}.example"
            create_account(email=email, full_name=f"Officer {number} of {name}", password=PASSWORD)
            made.officer_emails.append(email)
    return made


@pytest.fixture(scope="session")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    # pytest-django creates the test database only when a collected test declares it needs
    # one; without this guard a run of tests that do not would write into the real database.
    name = connection.settings_dict["NAME"]
    if not name.startswith("test_"):
        pytest.fail(f"Refusing to create test tenants in {name!r}: mark the test django_db.")
    with django_db_blocker.unblock():
        started = time.perf_counter()
        current_blueprint()  # the template schema and its blueprint, once per database
        TEMPLATE_SETUP_SECONDS.append(time.perf_counter() - started)
        partner = create_partner(name="Test Partner IT", contact_email="ops@partner.example")
        federal_admin = create_account(
            email="federal@board.example",
            full_name="Fatima Federal",
            password=PASSWORD,
            is_staff=True,
        )
        partner_user = create_account(
            email="vendor@partner.example", full_name="Vikram Vendor", password=PASSWORD
        )
        add_partner_member(partner=partner, user=partner_user, role="owner", invited_by=ACTOR)
        # The same e-mail exists in the control plane and in Punjab: two unrelated accounts.
        punjab = make_test_tenant(
            subdomain="punjab", name="Test Punjab", partner=partner, officers=3
        )
        sindh = make_test_tenant(subdomain="sindh", name="Test Sindh", partner=None, officers=2)
        use_public_schema()
    yield World(
        punjab=punjab,
        sindh=sindh,
        partner=partner,
        federal_admin_email=federal_admin.email,
        partner_user_email=partner_user.email,
    )
    with django_db_blocker.unblock():
        _wait_for_other_sessions_to_end()


def _wait_for_other_sessions_to_end(timeout: float = 15) -> None:
    """Waits until only this process is connected, so the test database can be dropped.

    A stopped worker's server-side sessions end a moment after the process does.
    """
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name, state, left(query, 80) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchall()
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if others:
        print(f"\nsessions still connected to the test database: {others}")


@pytest.fixture(autouse=True)
def _fresh_schema_and_cache(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """Every test starts on the public schema with an empty cache (rate limits, sessions) and in
    the default language (a request by an Urdu-speaking officer leaves Urdu active on the
    thread, as LocaleMiddleware resets it only at the next request). The world's tenants are
    read again after a test that used them: a service that changed one in memory (its
    partner, its state) inside the rolled-back transaction must not leave it changed for the
    next test."""
    use_public_schema()
    cache.clear()
    routing.forget_process_routes()
    request_limits.forget_local_budget()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    use_public_schema()
    translation.activate(settings.LANGUAGE_CODE)
    if "world" in request.fixturenames:
        world: World = request.getfixturevalue("world")
        with django_db_blocker.unblock():
            for made in (world.punjab, world.sindh):
                made.tenant.refresh_from_db()


def client_for(host: str) -> Client:
    return Client(HTTP_HOST=host)


def signed_in_client(host: str, email: str, password: str = PASSWORD) -> Client:
    client = client_for(host)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TENANT_SETUP_SECONDS:
        figures = ", ".join(f"{seconds:.2f} s" for seconds in TENANT_SETUP_SECONDS)
        terminalreporter.write_line(
            f"per-test-tenant setup (schema from blueprint): {figures}; template schema and "
            f"blueprint, once: {sum(TEMPLATE_SETUP_SECONDS):.2f} s"
        )


@dataclass(frozen=True)
class Worker:
    log: Path
    mail_dir: Path  # where the worker's e-mails are written, one file per message


@pytest.fixture(scope="session")
def celery_worker(
    world: World, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """A real worker process (`celery worker`) consuming the test queue, speaking to the
    local Stripe."""
    from tests.worker import start_worker, stop_worker

    folder = tmp_path_factory.mktemp("worker")
    worker = Worker(log=folder / "worker.log", mail_dir=folder / "mail")
    env = {**mail_to_files(worker.mail_dir), **stripe_env(request.getfixturevalue("stripe_server"))}
    process = start_worker(worker.log, env=env)
    yield worker
    stop_worker(process)


def mail_to_files(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder),
    }


MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def mails_in(folder: Path) -> list[str]:
    """Every message the file backend wrote, one string each, oldest file first.

    The backend names a file by the second and the id of its instance; two tasks in the same
    second can get the same id back from the allocator, and then append to one file.
    """
    messages: list[str] = []
    for path in sorted(folder.glob("*.log")):
        messages += [m for m in path.read_text().split(MAIL_SEPARATOR) if m.strip()]
    return messages


@pytest.fixture
def committed(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Database access that commits, for tests whose data a worker or server must see.

    Use it instead of the django_db mark and pick names no other test uses: nothing is
    rolled back.
    """
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks queued with .delay() run at once in this process and transaction."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
