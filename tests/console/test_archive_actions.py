"""Federal administrators archive, delete and restore tenants: confirmed, reasoned, recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import set_urlconf
from django_tenants.utils import schema_exists
from pytest_django import DjangoDbBlocker

from console.lifecycle_views import archive_context
from provisioning.lifecycle_services import run_archive
from provisioning.models import ArchiveRun, TenantArchive
from tenants.models import Tenant, TenantEvent
from tests.conftest import World, client_for, signed_in_client
from tests.provisioning.test_archive import committed_tenant

pytestmark = pytest.mark.django_db

S = Tenant.State


@pytest.fixture(scope="module")
def storage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("storage")


@pytest.fixture(scope="module")
def tenant(world: World, django_db_blocker: DjangoDbBlocker, storage_dir: Path) -> Tenant:
    """Committed for the module, so pg_dump sees its schema; each test's changes roll back."""
    with django_db_blocker.unblock(), override_settings(LOCAL_STORAGE_DIR=storage_dir):
        return committed_tenant("con-arc", "Console Archive Test")


@pytest.fixture(autouse=True)
def local_storage(settings: Any, storage_dir: Path) -> None:
    settings.S3_BUCKET = ""
    settings.LOCAL_STORAGE_DIR = storage_dir


def state_of(tenant: Tenant) -> str:
    tenant.refresh_from_db()
    return tenant.state


def flashed(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def card(tenant: Tenant) -> str:
    """The include as the tenant page renders it (the console's URLs are the public plane's)."""
    set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
    try:
        context = {"t": tenant, **archive_context(tenant)}
        return render_to_string("console/_archive_actions.html", context)
    finally:
        set_urlconf(None)


def latest_event(tenant: Tenant) -> TenantEvent:
    return TenantEvent.objects.filter(tenant=tenant).order_by("-id")[:1].get()


def archive_from_console(client: Client, tenant: Tenant, reason: str = "Audit") -> Any:
    """Posts the archive form, then carries out the queued run here, as a worker would (the
    test's transaction never commits, so no worker is sent it; see test_archive_worker)."""
    response = client.post(
        f"/console/tenants/{tenant.pk}/archive/", {"reason": reason, "confirm": "on"}
    )
    run = ArchiveRun.objects.filter(tenant=tenant).first()
    if run is not None and run.status == ArchiveRun.Status.QUEUED:
        run_archive(run_id=run.pk)
    return response


def test_archive_delete_and_restore_from_the_console_are_audited(
    world: World, tenant: Tenant
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    admin = world.federal_admin_email
    old_schema = tenant.schema_name

    started = client.post(
        f"/console/tenants/{tenant.pk}/archive/",
        {"reason": "The department was merged", "confirm": "on"},
    )

    assert started.status_code == 302
    assert started["Location"] == f"/console/tenants/{tenant.pk}/"
    assert any("Archiving Console Archive Test has begun" in m for m in flashed(started))
    # Read-only at once; the export is queued for a worker, and the card follows it live.
    assert state_of(tenant) == S.SUSPENDED
    run = ArchiveRun.objects.get(tenant=tenant)
    assert (run.status, run.actor) == (ArchiveRun.Status.QUEUED, admin)
    polled = client.get(f"/console/tenants/{tenant.pk}/archive/card/")
    assert polled.status_code == 200
    live = polled.content.decode()
    assert f'hx-get="/console/tenants/{tenant.pk}/archive/card/"' in live
    assert "Waiting for a worker" in live
    assert f'action="/console/tenants/{tenant.pk}/archive/"' not in live

    run_archive(run_id=run.pk)

    assert state_of(tenant) == S.ARCHIVED
    archive = TenantArchive.objects.get(tenant=tenant)
    event = latest_event(tenant)
    # An active tenant is made read-only before its export, then archived.
    assert (event.from_state, event.to_state, event.actor) == (S.SUSPENDED, S.ARCHIVED, admin)
    assert event.reason == f"The department was merged (archive {archive.storage_key})"
    # The card the tenant page includes stops polling, offers deletion and lists the archive.
    html = card(tenant)
    assert "hx-get" not in html
    assert f'action="/console/tenants/{tenant.pk}/delete/"' in html
    assert 'name="typed_name"' in html
    assert "Exactly: Console Archive Test" in html
    assert archive.sha256[:12] in html
    assert f'action="/console/tenants/{tenant.pk}/archive/"' not in html

    deleted = client.post(
        f"/console/tenants/{tenant.pk}/delete/",
        {"reason": "Closed for good", "typed_name": "Console Archive Test", "confirm": "on"},
    )

    assert state_of(tenant) == S.DELETED
    assert not schema_exists(old_schema)
    event = latest_event(tenant)
    assert (event.from_state, event.to_state, event.actor) == (S.ARCHIVED, S.DELETED, admin)
    assert event.reason.startswith("Closed for good")
    assert any("is deleted" in message for message in flashed(deleted))
    restorable = card(tenant)
    assert f'action="/console/tenants/{tenant.pk}/restore/"' in restorable
    assert f'type="radio" name="archive" value="{archive.pk}"' in restorable

    restored = client.post(
        f"/console/tenants/{tenant.pk}/restore/",
        {"reason": "Reopened", "archive": archive.pk, "confirm": "on"},
    )

    assert state_of(tenant) == S.ACTIVE
    assert tenant.schema_name == f"{old_schema}_r1"
    event = latest_event(tenant)
    assert (event.from_state, event.to_state, event.actor) == (S.DELETED, S.ACTIVE, admin)
    assert any(f"restored into schema {old_schema}_r1" in m for m in flashed(restored))
    signed_in_client("con-arc.localhost", "officer1@con-arc.example")


def test_deleting_with_the_wrong_name_is_refused_with_the_reason(
    world: World, tenant: Tenant
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    archive_from_console(client, tenant)
    events_before = TenantEvent.objects.filter(tenant=tenant).count()

    response = client.post(
        f"/console/tenants/{tenant.pk}/delete/",
        {"reason": "Slip", "typed_name": "Console Archive", "confirm": "on"},
    )

    assert response.status_code == 302
    assert any("Type the tenant's name exactly" in message for message in flashed(response))
    assert state_of(tenant) == S.ARCHIVED
    assert schema_exists(tenant.schema_name)
    assert TenantEvent.objects.filter(tenant=tenant).count() == events_before


def test_a_refused_transition_is_explained_and_changes_nothing(
    world: World, tenant: Tenant
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    deleting = client.post(
        f"/console/tenants/{tenant.pk}/delete/",
        {"reason": "Too soon", "typed_name": tenant.name, "confirm": "on"},
    )
    restoring = client.post(
        f"/console/tenants/{tenant.pk}/restore/", {"reason": "", "confirm": "on"}
    )

    assert "cannot go from Active to Deleted" in " ".join(flashed(deleting))
    # A tenant that was never archived has no archive to choose.
    assert "Archive to restore: This field is required." in " ".join(flashed(restoring))
    assert state_of(tenant) == S.ACTIVE
    assert not TenantArchive.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"reason": "Audit"}, "Tick the box to confirm."),
        ({"confirm": "on"}, "Reason: This field is required."),
    ],
)
def test_an_unconfirmed_or_unreasoned_archive_does_nothing(
    world: World, tenant: Tenant, form: dict[str, str], error: str
) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    response = client.post(f"/console/tenants/{tenant.pk}/archive/", form)

    assert response.status_code == 302
    assert any(error in message for message in flashed(response))
    assert state_of(tenant) == S.ACTIVE
    assert not TenantArchive.objects.filter(tenant=tenant).exists()


def test_deleting_needs_the_typed_name_field(world: World, tenant: Tenant) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    archive_from_console(client, tenant)

    response = client.post(
        f"/console/tenants/{tenant.pk}/delete/", {"reason": "No name", "confirm": "on"}
    )

    assert any(
        "Type the tenant's name to confirm: This field is required." in message
        for message in flashed(response)
    )
    assert state_of(tenant) == S.ARCHIVED


@pytest.mark.parametrize("action", ["archive", "delete", "restore"])
def test_only_federal_administrators_may_act(world: World, tenant: Tenant, action: str) -> None:
    form = {"reason": "x", "typed_name": tenant.name, "confirm": "on"}
    partner = signed_in_client(world.control_host, world.partner_user_email)

    forbidden = partner.post(f"/console/tenants/{tenant.pk}/{action}/", form)
    anonymous = client_for(world.control_host).post(f"/console/tenants/{tenant.pk}/{action}/", form)

    assert forbidden.status_code == 403
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert state_of(tenant) == S.ACTIVE


def test_actions_accept_only_posts(world: World, tenant: Tenant) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    assert client.get(f"/console/tenants/{tenant.pk}/archive/").status_code == 405


def test_the_card_offers_archiving_to_an_active_tenant(tenant: Tenant) -> None:
    html = card(tenant)

    assert set(archive_context(tenant)) == {
        "archive_form",
        "delete_form",
        "restore_form",
        "archive_run",
        "archives",
    }
    assert f'action="/console/tenants/{tenant.pk}/archive/"' in html
    assert "Archive Console Archive Test" in html
    assert "<h3>Archives</h3>" not in html
