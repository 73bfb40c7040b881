"""Provisioning steps. Each can be run again after a failure without duplicating anything."""

from provisioning.blueprint import create_schema_from_blueprint
from tenants.models import Tenant
from tenants.services import transition_tenant


def create_schema(*, tenant: Tenant) -> None:
    """Creates the tenant's schema, ready for use, from the blueprint of the template schema.

    A schema that already exists is left as it is: the blueprint runs in one transaction, so a
    schema is either complete or absent.
    """
    create_schema_from_blueprint(tenant.schema_name)


def provision_tenant(*, tenant: Tenant, actor: str) -> Tenant:
    """Takes an approved tenant to active: its schema exists before its host ever serves it."""
    if tenant.state == Tenant.State.APPROVED:
        transition_tenant(tenant=tenant, to_state=Tenant.State.PROVISIONING, actor=actor)
    create_schema(tenant=tenant)
    return transition_tenant(tenant=tenant, to_state=Tenant.State.ACTIVE, actor=actor)
