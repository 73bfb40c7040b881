"""Tenant routing answers from memory, and every change to a tenant or a domain is seen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import routing
from tenants.models import Domain, Tenant
from tenants.selectors import serving_tenant_for_host
from tests import worker
from tests.conftest import World, client_for


def _domain_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "tenants_domain" in q["sql"]]


@pytest.mark.django_db
def test_a_second_request_to_a_host_reads_no_domain(world: World) -> None:
    client = client_for(world.punjab.host)
    with CaptureQueriesContext(connection) as first:
        client.get("/accounts/login/")
    with CaptureQueriesContext(connection) as second:
        response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert len(_domain_queries(first)) == 1
    assert _domain_queries(second) == []


@pytest.mark.django_db
def test_an_unknown_host_is_remembered_too(world: World) -> None:
    client = client_for("nowhere.localhost")
    assert client.get("/").status_code == 404
    with CaptureQueriesContext(connection) as again:
        assert client.get("/").status_code == 404
    assert _domain_queries(again) == []


@pytest.mark.django_db
def test_each_request_gets_its_own_copy_of_the_tenant(world: World) -> None:
    first = serving_tenant_for_host(world.punjab.host)
    assert first is not None
    first.name = "changed by one request"
    second = serving_tenant_for_host(world.punjab.host)
    assert second is not None and second.name == world.punjab.tenant.name


@pytest.mark.django_db
def test_a_suspended_tenant_is_routed_as_suspended_at_once(world: World) -> None:
    assert serving_tenant_for_host(world.sindh.host).state == Tenant.State.ACTIVE
    Tenant.objects.filter(pk=world.sindh.tenant.pk).update(state=Tenant.State.SUSPENDED)
    assert serving_tenant_for_host(world.sindh.host).state == Tenant.State.SUSPENDED


@pytest.mark.django_db
def test_a_new_domain_and_a_moved_one_are_seen_at_once(world: World) -> None:
    assert serving_tenant_for_host("punjab-gov.localhost") is None
    domain = Domain.objects.create(domain="punjab-gov.localhost", tenant=world.punjab.tenant)
    assert serving_tenant_for_host("punjab-gov.localhost").pk == world.punjab.tenant.pk
    domain.tenant = world.sindh.tenant
    domain.save()
    assert serving_tenant_for_host("punjab-gov.localhost").pk == world.sindh.tenant.pk
    Domain.objects.filter(pk=domain.pk).delete()
    assert serving_tenant_for_host("punjab-gov.localhost") is None


@pytest.mark.django_db
def test_an_unreachable_cache_still_routes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def __getattr__(self, name: str) -> object:
            raise ConnectionError("cache down")

    monkeypatch.setattr(routing, "_shared", lambda: Down())
    routing.forget_process_routes()
    response = client_for(world.punjab.host).get("/accounts/login/")
    assert response.status_code == 200
    # The next requests do not ask the dead cache again (no timeout per request).
    assert routing._routes.cache_down_until > time.monotonic()


_WATCHER = """
import sys, time
import django
django.setup()
from tenants.selectors import serving_tenant_for_host
host = sys.argv[1]
print("ready", flush=True)
for line in sys.stdin:
    deadline = time.monotonic() + 10
    wanted = line.strip()
    while True:
        tenant = serving_tenant_for_host(host)
        seen = "none" if tenant is None else tenant.state
        if seen == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print(seen, flush=True)
"""


@pytest.fixture
def watcher(world: World, committed: None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Another process resolving one host over and over, as a second web worker would."""
    if not settings.REDIS_URL:
        pytest.skip("processes share routing through Redis; REDIS_URL is not set")
    from tests.conftest import make_test_tenant

    made = make_test_tenant(
        subdomain="routing-watch", name="Routing Watch", partner=None, officers=0
    )
    env = dict(os.environ, DATABASE_URL=worker.test_database_url(), DATABASE_CONN_MAX_AGE="0")
    process = subprocess.Popen(
        [sys.executable, "-c", _WATCHER, made.host],
        cwd=worker.ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    try:
        yield process, made.host
    finally:
        process.kill()
        process.wait()
        Tenant.objects.filter(pk=made.tenant.pk).update(state=Tenant.State.ACTIVE)


def _ask(process: subprocess.Popen[str], wanted: str) -> tuple[str, float]:
    assert process.stdin is not None and process.stdout is not None
    started = time.monotonic()
    process.stdin.write(wanted + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip(), time.monotonic() - started


def test_another_process_sees_a_change_within_the_check_interval(
    watcher: tuple[subprocess.Popen[str], str],
) -> None:
    process, host = watcher
    assert _ask(process, "active")[0] == "active"  # now cached in the other process
    tenant = Tenant.objects.get(domains__domain=host)
    Tenant.objects.filter(pk=tenant.pk).update(state=Tenant.State.SUSPENDED)
    seen, waited = _ask(process, "suspended")
    assert seen == "suspended"
    assert waited < routing.GENERATION_CHECK_SECONDS + 1.5
    Domain.objects.filter(domain=host).update(domain="routing-moved.localhost")
    seen, waited = _ask(process, "none")
    assert seen == "none"
    assert waited < routing.GENERATION_CHECK_SECONDS + 1.5
    Domain.objects.filter(domain="routing-moved.localhost").update(domain=host)


def _generation() -> int:
    return int(routing._shared().get("tenant-routing:generation") or 0)


def test_a_change_moves_the_generation_again_when_its_transaction_commits(
    world: World, committed: None
) -> None:
    """Another process may read the old row between the change and the commit: the second move
    makes it read again."""
    from django.db import transaction

    routing.current_generation(float("inf"))  # the key exists
    with transaction.atomic():
        Tenant.objects.filter(pk=world.punjab.tenant.pk).update(name=world.punjab.tenant.name)
        Domain.objects.filter(tenant=world.punjab.tenant).update(is_primary=True)
        inside = _generation()
    assert _generation() == inside + 1  # once for the whole transaction, however many changes


@pytest.mark.django_db
def test_each_request_moves_the_connection_to_its_own_host_whatever_came_before(
    world: World,
) -> None:
    """The connection goes from the last request's schema straight to this one's: the routing
    read of a host not yet known runs in public even from inside another tenant's schema, and
    the control plane and an unknown host are served in public."""
    from config.tenancy import current_schema, use_tenant

    use_tenant(world.punjab.tenant)  # the test starts with nothing routed (conftest)
    with CaptureQueriesContext(connection) as queries:
        assert client_for(world.sindh.host).get("/accounts/login/").status_code == 200
    assert len(_domain_queries(queries)) == 1  # read from the database, from Punjab's schema
    assert current_schema() == world.sindh.tenant.schema_name
    assert client_for(world.control_host).get("/").status_code in {200, 302}
    assert current_schema() == "public"
    use_tenant(world.sindh.tenant)
    assert client_for("nowhere-else.localhost").get("/").status_code == 404
    assert current_schema() == "public"
    use_tenant(world.sindh.tenant)
    assert client_for(world.punjab.host).get("/accounts/login/").status_code == 200
    assert current_schema() == world.punjab.tenant.schema_name
