"""Changes to the tenant registry. Each function is one transaction."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenants.lifecycle import check_transition
from tenants.models import Domain, Partner, Tenant, TenantEvent, TenantRollup
from tenants.validators import validate_subdomain


def schema_name_for(subdomain: str) -> str:
    return subdomain.replace("-", "_")


@transaction.atomic
def register_tenant(
    *, name: str, kind: str, subdomain: str, actor: str, partner: Partner | None = None
) -> Tenant:
    """Records a tenant in the `applied` state with its primary domain; no schema yet."""
    validate_subdomain(subdomain)
    schema_name = schema_name_for(subdomain)
    host = f"{subdomain}.{settings.PLATFORM_DOMAIN}"
    if (
        Tenant.objects.filter(schema_name=schema_name).exists()
        or Domain.objects.filter(domain=host).exists()
    ):
        raise ValidationError(f"The subdomain “{subdomain}” is taken.", code="subdomain_taken")
    tenant = Tenant.objects.create(
        name=name, kind=kind, schema_name=schema_name, partner=partner, state=Tenant.State.APPLIED
    )
    Domain.objects.create(tenant=tenant, domain=host, is_primary=True)
    TenantEvent.objects.create(tenant=tenant, to_state=Tenant.State.APPLIED, actor=actor)
    return tenant


@transaction.atomic
def transition_tenant(*, tenant: Tenant, to_state: str, actor: str, reason: str = "") -> Tenant:
    """Moves a tenant to another state if the state machine allows it, and records the event."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    check_transition(locked, to_state)
    TenantEvent.objects.create(
        tenant=locked, from_state=locked.state, to_state=to_state, actor=actor, reason=reason
    )
    locked.state = to_state
    locked.save(update_fields=["state"])
    tenant.state = to_state
    return locked


@transaction.atomic
def create_partner(*, name: str, contact_email: str) -> Partner:
    return Partner.objects.create(name=name, contact_email=contact_email)


def record_rollup(*, schema_name: str, officers: int, officers_signed_in_7d: int) -> TenantRollup:
    """Stores the latest figures of one tenant; the newest write wins."""
    tenant = Tenant.objects.get(schema_name=schema_name)
    rollup, _ = TenantRollup.objects.update_or_create(
        tenant=tenant,
        defaults={
            "officers": officers,
            "officers_signed_in_7d": officers_signed_in_7d,
            "computed_at": timezone.now(),
        },
    )
    return rollup


def suspend_tenant(*, tenant: Tenant, actor: str, reason: str) -> Tenant:
    """Makes the tenant's e-office read-only: its users can sign in and read, nothing else."""
    if not reason.strip():
        raise ValidationError("Say why the e-office is suspended; its users are shown it.")
    return transition_tenant(
        tenant=tenant, to_state=Tenant.State.SUSPENDED, actor=actor, reason=reason.strip()
    )


def resume_tenant(*, tenant: Tenant, actor: str, reason: str = "") -> Tenant:
    """Lifts a suspension: the e-office accepts changes again."""
    return transition_tenant(
        tenant=tenant, to_state=Tenant.State.ACTIVE, actor=actor, reason=reason.strip()
    )
