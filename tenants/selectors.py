"""Reads of the tenant registry."""

from datetime import datetime

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import User
from tenants import routing
from tenants.lifecycle import SERVING_STATES
from tenants.models import (
    Application,
    Domain,
    Partner,
    PartnerMembership,
    SuspensionHold,
    Tenant,
    TenantEvent,
)
from tenants.naming import primary_host


def serving_tenant_for_host(hostname: str) -> Tenant | None:
    """The tenant a host name serves, or None if the host is unknown or its tenant not serving.

    Answered from memory or the shared cache when it can be (tenants.routing); the object is
    the caller's own copy.
    """
    tenant: Tenant | None = routing.tenant_for_host(hostname, read=_read_serving_tenant)
    return tenant


def _read_serving_tenant(hostname: str) -> Tenant | None:
    # In the public schema whatever the connection served last (routing runs before it moves).
    with schema_context(get_public_schema_name()):
        domain = (
            Domain.objects.select_related("tenant")
            .filter(domain=hostname, tenant__state__in=SERVING_STATES)
            .first()
        )
    return domain.tenant if domain else None


def tenants_for_console() -> QuerySet[Tenant]:
    """Every tenant with what the federal console shows of it, in one query."""
    return Tenant.objects.select_related("partner", "rollup", "application").prefetch_related(
        "domains"
    )


def tenants_of_partner(partner: Partner) -> QuerySet[Tenant]:
    return tenants_for_console().filter(partner=partner)


def partners_of_user(user: User) -> QuerySet[Partner]:
    """The partners on whose staff the user is now (in any role), by name."""
    return Partner.objects.filter(
        memberships__user=user, memberships__removed_at__isnull=True
    ).distinct()


def membership_of(user: User, partner: Partner) -> PartnerMembership | None:
    """The user's live membership of the partner's staff, or None."""
    return (
        PartnerMembership.objects.filter(partner=partner, user=user, removed_at__isnull=True)
        .select_related("partner")
        .first()
    )


def partner_role(user: User, partner: Partner) -> str | None:
    """The role ("owner", "billing", "support") the user holds on the partner's staff now;
    None for anyone not on it (a removed member included)."""
    membership = membership_of(user, partner)
    return membership.role if membership else None


def staff_of_partner(partner: Partner) -> QuerySet[PartnerMembership]:
    """Everyone on the partner's staff now, oldest first."""
    return PartnerMembership.objects.filter(
        partner=partner, removed_at__isnull=True
    ).select_related("user")


def former_staff_of_partner(partner: Partner) -> QuerySet[PartnerMembership]:
    """Memberships that were ended, most recently removed first (the staff page's record)."""
    return (
        PartnerMembership.objects.filter(partner=partner, removed_at__isnull=False)
        .select_related("user")
        .order_by("-removed_at", "-id")
    )


def is_subdomain_taken(subdomain: str) -> bool:
    """Whether an application, a tenant or a host already holds the address."""
    return (
        Tenant.objects.filter(subdomain=subdomain).exists()
        or Domain.objects.filter(domain=primary_host(subdomain)).exists()
    )


def tenant_at_address(subdomain: str) -> Tenant | None:
    """The tenant that holds the address `subdomain` (as its subdomain or its platform host),
    whatever schema it is in now; None if nobody holds it."""
    return (
        Tenant.objects.filter(subdomain=subdomain).first()
        or Tenant.objects.filter(domains__domain=primary_host(subdomain)).first()
    )


def possible_parents() -> QuerySet[Tenant]:
    """Organisations a new applicant may belong to: those already running an e-office."""
    return Tenant.objects.filter(state__in=SERVING_STATES).order_by("name")


def applications_for_review(*, state: str | None = None) -> QuerySet[Application]:
    applications = Application.objects.select_related("tenant", "tenant__parent")
    return applications.filter(tenant__state=state) if state else applications


def application_of(tenant: Tenant) -> Application | None:
    return Application.objects.filter(tenant=tenant).first()


def serving_tenants() -> QuerySet[Tenant]:
    return Tenant.objects.filter(state__in=SERVING_STATES)


def open_holds(tenant: Tenant, kind: str | None = None) -> list[SuspensionHold]:
    """The holds that keep the tenant suspended (of `kind`, if given), oldest first."""
    holds = SuspensionHold.objects.filter(tenant=tenant, lifted_at__isnull=True)
    if kind is not None:
        holds = holds.filter(kind=kind)
    return list(holds.order_by("placed_at", "id"))


def open_billing_holds() -> QuerySet[SuspensionHold]:
    """Every open billing hold, with its tenant (what dunning checks for lifting)."""
    return SuspensionHold.objects.filter(
        kind=SuspensionHold.Kind.BILLING, lifted_at__isnull=True
    ).select_related("tenant")


def suspension_reason(tenant: Tenant) -> str:
    """Why the tenant is suspended: the reasons of its open holds, oldest first, one after the
    other; for a tenant suspended without holds, the reason of the event that suspended it."""
    reasons = [hold.reason for hold in open_holds(tenant)]
    if reasons:
        return "; ".join(dict.fromkeys(reasons))
    event = (
        TenantEvent.objects.filter(tenant=tenant, to_state=Tenant.State.SUSPENDED)
        .order_by("-at", "-id")
        .first()
    )
    return event.reason if event else ""


def entered_state_at(tenant: Tenant, state: str) -> datetime | None:
    """When the tenant last moved into `state` (or an action was recorded in it)."""
    return (
        TenantEvent.objects.filter(tenant=tenant, to_state=state)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def lifecycle_history(tenant: Tenant) -> QuerySet[TenantEvent]:
    return TenantEvent.objects.filter(tenant=tenant).order_by("-at", "-id")
