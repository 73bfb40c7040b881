"""Sessions: host-only cookies, per-tenant storage, survival of cache loss, idle expiry."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.session_store import SessionStore
from tests.conftest import PASSWORD, World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    }
}


def session_key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_session_cookie_is_host_only_and_http_only(world: World) -> None:
    client = client_for(world.punjab.host)
    response = client.post(
        "/accounts/login/", {"login": world.punjab.officer_email, "password": "Correct-Horse-2026"}
    )

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["domain"] == ""  # no Domain attribute: the browser sends it to this host only
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_session_cookie_of_one_tenant_is_not_accepted_by_another(world: World) -> None:
    punjab = signed_in_client(world.punjab.host, world.punjab.officer_email)
    stolen = session_key_of(punjab)

    sindh = client_for(world.sindh.host)
    sindh.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = sindh.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not response.wsgi_request.user.is_authenticated


def test_session_cookie_of_a_tenant_is_not_accepted_by_the_control_plane(world: World) -> None:
    punjab = signed_in_client(world.punjab.host, world.punjab.admin_email)

    control = client_for(world.control_host)
    control.cookies[settings.SESSION_COOKIE_NAME] = session_key_of(punjab)
    response = control.get("/console/tenants/")

    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_session_is_stored_in_the_tenant_schema_only(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    key = session_key_of(client)

    with schema_context(world.punjab.tenant.schema_name):
        assert Session.objects.filter(session_key=key).exists()
    with schema_context(world.sindh.tenant.schema_name):
        assert not Session.objects.filter(session_key=key).exists()
    with schema_context(get_public_schema_name()):
        assert not Session.objects.filter(session_key=key).exists()


def test_losing_the_whole_cache_logs_no_one_out(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    assert client.get("/").status_code == 200

    cache.clear()  # what a restarted Redis (which keeps nothing on disk) looks like

    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user.email == world.punjab.officer_email


def test_an_unreachable_cache_logs_no_one_out(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)

    with override_settings(CACHES=DEAD_REDIS):
        response = client.get("/")

    assert response.status_code == 200
    assert response.wsgi_request.user.email == world.punjab.officer_email


def test_activity_slides_the_expiry_forward(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    key = session_key_of(client)
    with schema_context(world.punjab.tenant.schema_name):
        # As if the officer had last been active two hours ago.
        store = SessionStore(session_key=key)
        store["_refreshed_at"] = int(time.time()) - 2 * 3600
        store.save()
        before = timezone.now() + timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 2 * 3600)
        Session.objects.filter(session_key=key).update(expire_date=before)
    cache.clear()

    assert client.get("/").status_code == 200

    with schema_context(world.punjab.tenant.schema_name):
        after = Session.objects.get(session_key=key).expire_date
    assert after - before > timedelta(hours=1, minutes=59)
    expected = timezone.now() + timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    assert abs((after - expected).total_seconds()) < 60


def test_default_idle_timeout_is_eight_hours() -> None:
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 3600
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False


def test_a_session_idle_past_the_timeout_is_signed_out(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    key = session_key_of(client)
    with schema_context(world.punjab.tenant.schema_name):
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    cache.clear()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_sign_out_ends_the_session_everywhere(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    key = session_key_of(client)

    client.post("/accounts/logout/")

    with schema_context(world.punjab.tenant.schema_name):
        assert not Session.objects.filter(session_key=key).exists()
    replay = client_for(world.punjab.host)
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get("/").status_code == 302


def test_pages_read_the_session_without_writing_it(world: World) -> None:
    """An officer at work costs no session write per request, and with the session cached no
    session read from the database either."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    client.get("/")  # the day's first request records the active day
    with CaptureQueriesContext(connection) as queries:
        for page in ("/", "/inbox/", "/receipts/", "/"):
            assert client.get(page).status_code == 200
    session_sql = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert session_sql == []


def test_a_sign_in_writes_its_session_once(world: World) -> None:
    """One INSERT with everything the sign-in stored: no look-up of the new key, no update."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.punjab.host)
    client.get("/accounts/login/")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/accounts/login/", {"login": world.punjab.officer_email, "password": PASSWORD}
        )
    assert response.status_code == 302
    session_sql = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(session_sql) == 1 and session_sql[0].startswith("INSERT"), session_sql
    assert client.get("/").wsgi_request.user.email == world.punjab.officer_email
    with schema_context(world.punjab.tenant.schema_name):
        assert Session.objects.filter(session_key=session_key_of(client)).exists()


def test_a_session_key_already_taken_is_never_reused(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        taken = SessionStore()
        taken["who"] = "first"
        taken.create()
        store = SessionStore()
        store["who"] = "second"
        store.cycle_key()
        store._session_key = taken.session_key  # as if the random key had collided
        store.save()
        assert store.session_key != taken.session_key
        assert SessionStore(session_key=taken.session_key).load()["who"] == "first"
        assert SessionStore(session_key=store.session_key).load()["who"] == "second"
