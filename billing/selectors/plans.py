"""Reads of billing data."""

from django.db.models import QuerySet

from billing.models import Plan, Subscription
from tenants.models import Tenant


def plans_on_offer() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)


def plan_of(tenant: Tenant) -> Plan | None:
    """The plan the tenant is on; None before its application is approved."""
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    return subscription.plan if subscription else None
