"""Reads of billing data."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from billing.models import Plan, PlanPrice, Subscription
from tenants.models import Tenant


def plans_on_offer() -> QuerySet[Plan]:
    """Plans an application may be approved on: offered, and with a price in force today (a
    tenant on a plan without one could not be billed for its days)."""
    return Plan.objects.filter(
        is_active=True, prices__effective_from__lte=timezone.localdate()
    ).distinct()


def has_price_on(plan: Plan, day: datetime.date) -> bool:
    return PlanPrice.objects.filter(plan=plan, effective_from__lte=day).exists()


def plan_of(tenant: Tenant) -> Plan | None:
    """The plan the tenant is on; None before its application is approved."""
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    return subscription.plan if subscription else None


def plans_with_prices() -> QuerySet[Plan]:
    """Every plan (offered or not) with its prices, newest effective date first."""
    return Plan.objects.prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.order_by("-effective_from", "-id"))
    )
