"""Archiving and holds: an archive's own suspension is a federal hold, and archiving lifts
every hold, so a restored tenant starts with none. Committed (pg_dump reads only committed
schemas), so no django_db mark here; the names are this module's."""

from django_tenants.utils import schema_context

from config.tenancy import use_public_schema
from eoffice import write_modes
from eoffice.selectors.write_mode import write_mode
from provisioning.lifecycle_services import (
    delete_tenant,
    lift_billing_hold,
    place_billing_hold,
    restore_tenant,
    run_archive,
    start_archive,
)
from tenants.models import SuspensionHold, Tenant
from tenants.selectors import open_holds
from tests.conftest import ACTOR, World, make_test_tenant

S = Tenant.State


def state_and_mode(tenant: Tenant) -> tuple[str, str | None]:
    tenant.refresh_from_db(fields=["state"])
    with schema_context(tenant.schema_name):
        return tenant.state, write_mode()


def test_an_archive_suspends_by_a_federal_hold_and_archiving_lifts_every_hold(
    world: World, committed: None
) -> None:
    """The archive's own suspension ("Being archived: …") is a federal hold: paying an invoice
    while the archive runs cannot open the schema. Archiving lifts every hold (kept on record),
    so a tenant restored later starts with none; dunning places an unpaid invoice's hold again."""
    # Committed (the archive's pg_dump reads only committed schemas); the names are this test's.
    tenant = make_test_tenant(
        subdomain="holds-archive", name="Holds Archive", partner=None, officers=0
    ).tenant
    use_public_schema()

    run = start_archive(tenant=tenant, actor=ACTOR, reason="Merged", in_background=False)

    (federal,) = open_holds(tenant)
    assert (federal.kind, federal.reason) == ("federal", "Being archived: Merged")
    place_billing_hold(tenant=tenant, reference="INV-2026-990001", reason="Unpaid")
    # Paid while the archive is queued: the tenant stays suspended (the archive's hold).
    lift_billing_hold(tenant=tenant, reference="INV-2026-990001", actor="system", reason="Paid")
    assert Tenant.objects.get(pk=tenant.pk).state == S.SUSPENDED
    place_billing_hold(tenant=tenant, reference="INV-2026-990002", reason="Unpaid again")

    finished = run_archive(run_id=run.pk)

    assert finished.archive is not None, finished.error
    assert Tenant.objects.get(pk=tenant.pk).state == S.ARCHIVED
    assert open_holds(tenant) == []
    lifted = SuspensionHold.objects.filter(tenant=tenant).order_by("id")
    assert [(h.kind, h.lifted_by) for h in lifted] == [
        ("federal", ACTOR),
        ("billing", "system"),
        ("billing", ACTOR),
    ]
    assert all(h.lift_reason.startswith("Archived (") for h in lifted if h.lifted_by == ACTOR)
    # An archived tenant has nothing to suspend.
    assert place_billing_hold(tenant=tenant, reference="INV-2026-990003", reason="x") is None

    delete_tenant(tenant=tenant, actor=ACTOR, typed_name="Holds Archive", reason="Not needed")
    restore_tenant(tenant=tenant, actor=ACTOR, reason="Needed after all")
    use_public_schema()

    assert state_and_mode(tenant) == (S.ACTIVE, write_modes.OPEN)
    assert open_holds(tenant) == []
