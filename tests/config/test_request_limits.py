"""Each tenant's request budget: a flood from one tenant is answered 429 with Retry-After and a
page, while the others, the control plane and the probes are served; no Redis, no limit."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings

from config import request_limits
from tests.conftest import World, client_for, needs_redis

pytestmark = pytest.mark.django_db

# Three requests, then one more every ten seconds.
TIGHT = {"TENANT_REQUESTS_PER_SECOND": 0.1, "TENANT_REQUEST_BURST": 3}


@pytest.fixture(autouse=True)
def _limits_on() -> Iterator[None]:
    # A test that found Redis down leaves the limit off in this process for a few seconds.
    request_limits._skip_until = 0.0
    request_limits.forget_local_budget()
    yield
    request_limits._skip_until = 0.0
    request_limits.forget_local_budget()


def spend(host: str, times: int, path: str = "/accounts/login/") -> list[int]:
    client = client_for(host)
    return [client.get(path).status_code for _ in range(times)]


@override_settings(**TIGHT)
@needs_redis
def test_a_tenant_over_its_budget_is_told_to_wait_while_another_is_served(world: World) -> None:
    assert spend(world.punjab.host, 3) == [200, 200, 200]

    response = client_for(world.punjab.host).get("/accounts/login/")
    other = client_for(world.sindh.host).get("/accounts/login/")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 10
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "This e-office is very busy: please wait a moment" in page
    assert "Test Punjab" in page
    assert f"Try again in {response['Retry-After']} seconds." in page
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", page)  # CSP: no inline code
    assert other.status_code == 200  # Sindh's budget is its own


@override_settings(**TIGHT)
@needs_redis
def test_the_page_speaks_the_officers_language(world: World) -> None:
    spend(world.punjab.host, 3)

    response = client_for(world.punjab.host).get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ur")

    assert response.status_code == 429
    assert "یہ ای آفس اس وقت بہت مصروف ہے" in response.content.decode()


@override_settings(**TIGHT)
@needs_redis
def test_a_throttled_form_is_not_acted_on(world: World) -> None:
    spend(world.punjab.host, 3)

    response = client_for(world.punjab.host).post(
        "/accounts/login/", {"login": world.punjab.officer_email, "password": "x"}
    )

    assert response.status_code == 429
    assert "not saved" in response.content.decode()


@override_settings(**TIGHT)
@needs_redis
def test_the_control_plane_probes_and_static_files_are_not_counted(world: World) -> None:
    assert 429 not in spend(world.control_host, 6, "/")
    spend(world.punjab.host, 3)

    assert client_for(world.punjab.host).get("/healthz").status_code == 200
    assert client_for(world.punjab.host).get("/readyz").status_code in {200, 503}
    assert client_for(world.punjab.host).get("/static/css/app.css").status_code != 429
    assert client_for(world.punjab.host).get("/accounts/login/").status_code == 429


def test_a_normal_morning_is_far_inside_the_default_budget(world: World) -> None:
    # A storm of 100 sign-ins (three requests each) at once: the load test, per tenant.
    assert set(spend(world.punjab.host, 300, "/healthz")) == {200}  # probes: free
    codes = spend(world.punjab.host, 300)
    assert set(codes) == {200}


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    }
}


@override_settings(**TIGHT)
def test_without_redis_pages_are_served(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with override_settings(CACHES=DEAD_REDIS):
        codes = spend(world.punjab.host, 5)

    assert codes == [200] * 5
    warnings = [r for r in caplog.records if "request limits are off" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request


def test_the_budget_is_counted_right_after_tenant_routing() -> None:
    from django.conf import settings

    routing = settings.MIDDLEWARE.index("tenants.middleware.TenantRoutingMiddleware")
    # Before sessions: a throttled request reads nothing. (In production WhiteNoise is put
    # between the two, so static files are served before they could be counted.)
    assert settings.MIDDLEWARE[routing + 1] == "config.request_limits.TenantRequestLimitMiddleware"
