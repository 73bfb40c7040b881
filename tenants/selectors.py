"""Reads of the tenant registry."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from tenants.lifecycle import SERVING_STATES
from tenants.models import Domain, Partner, Tenant, TenantEvent


def serving_tenant_for_host(hostname: str) -> Tenant | None:
    """The tenant a host name serves, or None if the host is unknown or its tenant not serving."""
    domain = (
        Domain.objects.select_related("tenant")
        .filter(domain=hostname, tenant__state__in=SERVING_STATES)
        .first()
    )
    return domain.tenant if domain else None


def tenants_for_console() -> QuerySet[Tenant]:
    """Every tenant with what the federal console shows of it, in one query."""
    return Tenant.objects.select_related("partner", "rollup").prefetch_related("domains")


def tenants_of_partner(partner: Partner) -> QuerySet[Tenant]:
    return tenants_for_console().filter(partner=partner)


def partners_of_user(user: object) -> QuerySet[Partner]:
    return Partner.objects.filter(members=user)


def serving_tenants() -> QuerySet[Tenant]:
    return Tenant.objects.filter(state__in=SERVING_STATES)


@dataclass(frozen=True)
class RegistrySummary:
    """Totals over a list of tenants, from their last reported rollups."""

    state_counts: list[tuple[Tenant.State, int]]
    counted: bool  # whether any tenant has reported figures yet
    officers: int
    officers_signed_in_7d: int


def summarise(tenants: list[Tenant]) -> RegistrySummary:
    by_state = Counter(tenant.state for tenant in tenants)
    rollups = [tenant.rollup for tenant in tenants if hasattr(tenant, "rollup")]
    return RegistrySummary(
        state_counts=[(state, by_state[state.value]) for state in Tenant.State],
        counted=bool(rollups),
        officers=sum(r.officers for r in rollups),
        officers_signed_in_7d=sum(r.officers_signed_in_7d for r in rollups),
    )


def suspension_reason(tenant: Tenant) -> str:
    """Why the tenant is suspended, from the event that suspended it."""
    event = (
        TenantEvent.objects.filter(tenant=tenant, to_state=Tenant.State.SUSPENDED)
        .order_by("-at", "-id")
        .first()
    )
    return event.reason if event else ""


def lifecycle_history(tenant: Tenant) -> QuerySet[TenantEvent]:
    return TenantEvent.objects.filter(tenant=tenant).order_by("-at", "-id")
