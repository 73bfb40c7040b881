"""Reads of billing data."""

from django.db.models import Prefetch, QuerySet

from billing.models import Plan, PlanPrice, Subscription
from tenants.models import Tenant


def plans_on_offer() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)


def plan_of(tenant: Tenant) -> Plan | None:
    """The plan the tenant is on; None before its application is approved."""
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    return subscription.plan if subscription else None


def plans_with_prices() -> QuerySet[Plan]:
    """Every plan (offered or not) with its prices, newest effective date first."""
    return Plan.objects.prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.order_by("-effective_from", "-id"))
    )
