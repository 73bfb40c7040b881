"""The sign-in page is cheap: nothing but tenant routing in the database, no session written,
its fields rendered once per language (accounts.templatetags.sign_in), and no need of Redis."""

from __future__ import annotations

import re

import pytest
from allauth.account.forms import LoginForm
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import schema_context

from tests.accounts.test_sessions import DEAD_REDIS
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

# Finding the tenant for the host (and pointing the connection at the public schema to do so):
# the request path may cache it away, but the sign-in page adds nothing to it.
ROUTING = re.compile(r'^SET search_path = "public"|"tenants_domain"|"tenants_tenant"')
ROUTING_QUERIES = 2


def fresh_login_fields(language: str) -> str:
    with translation.override(language):
        return str(LoginForm().as_p())


def test_the_sign_in_page_queries_nothing_but_tenant_routing_and_writes_no_session(
    world: World,
) -> None:
    client = client_for(world.punjab.host)
    client.get("/accounts/login/")  # the fields rendered once, as after the first visitor
    with schema_context(world.punjab.tenant.schema_name):
        sessions_before = Session.objects.count()

    with CaptureQueriesContext(connection) as queries:
        page = client_for(world.punjab.host).get("/accounts/login/?next=/files/")

    assert page.status_code == 200
    beyond_routing = [q["sql"] for q in queries.captured_queries if not ROUTING.search(q["sql"])]
    assert beyond_routing == []
    assert len(queries.captured_queries) <= ROUTING_QUERIES
    assert settings.SESSION_COOKIE_NAME not in page.cookies
    with schema_context(world.punjab.tenant.schema_name):
        assert Session.objects.count() == sessions_before


def test_the_remembered_fields_are_the_fields_in_each_language(world: World) -> None:
    for language, label in (("en", "Password"), ("ur", "پاس ورڈ")):
        pages = [
            client_for(host).get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for host in (world.punjab.host, world.sindh.host, world.punjab.host)
        ]
        assert all(label in page for page in pages)
        assert all(fresh_login_fields(language) in page for page in pages)


def test_a_form_with_errors_is_rendered_afresh(world: World) -> None:
    client_for(world.punjab.host).get("/accounts/login/")

    page = client_for(world.punjab.host).post(
        "/accounts/login/", {"login": "not-an-address", "password": "x"}
    )

    assert 'value="not-an-address"' in page.content.decode()


def test_the_sign_in_page_needs_no_cache(world: World) -> None:
    with override_settings(CACHES=DEAD_REDIS):
        page = client_for(world.punjab.host).get("/accounts/login/")

    assert page.status_code == 200
