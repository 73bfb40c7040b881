"""The search_path is sent only when it changes, and a tenant's queries run in its schema."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def _sets() -> int:
    return int(connection.search_path_sets)  # type: ignore[attr-defined]


def test_requests_to_one_tenant_send_the_search_path_once(world: World) -> None:
    client = client_for(world.punjab.host)
    client.get("/accounts/login/")
    User.objects.exists()  # whatever the first request needed, the path is now punjab's
    before = _sets()
    for _ in range(3):
        assert client.get("/accounts/login/").status_code == 200
        with schema_context(world.punjab.tenant.schema_name):
            User.objects.exists()
    assert _sets() == before


def test_moving_to_another_schema_sends_it_again(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        punjab = set(User.objects.values_list("email", flat=True))
    before = _sets()
    with schema_context(world.sindh.tenant.schema_name):
        sindh = set(User.objects.values_list("email", flat=True))
    assert _sets() == before + 1
    assert world.sindh.admin_email in sindh and world.sindh.admin_email not in punjab
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == "public"


def test_a_rolled_back_savepoint_forgets_the_path_it_undid(world: World) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        User.objects.exists()
    try:
        with transaction.atomic(), schema_context(world.sindh.tenant.schema_name):
            User.objects.exists()  # the SET to sindh happens inside the savepoint
            raise RuntimeError("undo")
    except RuntimeError:
        pass
    with schema_context(world.sindh.tenant.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == world.sindh.tenant.schema_name


def test_content_types_read_in_one_schema_are_not_served_in_another(world: World) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(User)  # cached while on the control plane
    assert ContentType.objects._cache  # type: ignore[attr-defined]
    with schema_context(world.punjab.tenant.schema_name):
        assert not ContentType.objects._cache  # type: ignore[attr-defined]
