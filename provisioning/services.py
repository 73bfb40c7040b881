"""Provisioning steps. Each can be run again after a failure without duplicating anything."""

from tenants.models import Tenant
from tenants.services import transition_tenant


def create_schema(*, tenant: Tenant) -> None:
    """Creates the tenant's schema and migrates it; a schema that exists is left as it is."""
    tenant.create_schema(check_if_exists=True, verbosity=0)


def provision_tenant(*, tenant: Tenant, actor: str) -> Tenant:
    """Takes an approved tenant to active: its schema exists before its host ever serves it."""
    if tenant.state == Tenant.State.APPROVED:
        transition_tenant(tenant=tenant, to_state=Tenant.State.PROVISIONING, actor=actor)
    create_schema(tenant=tenant)
    return transition_tenant(tenant=tenant, to_state=Tenant.State.ACTIVE, actor=actor)
