"""The demo's billing: its e-offices on a plan since the 1st of last month, their usage since
then collected from their schemas, and last month's invoice for the partner, finalised and sent to
the local Stripe (the partner has no card yet: adding one in the portal pays it)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import record_active_day
from billing.models import BillingTerm, Invoice, Plan, Subscription
from billing.services import assign_plan
from billing.services.invoices import run_month_end
from billing.tasks.usage import collect_usage
from tenants.models import Partner, Tenant

DEMO_PLAN = "provincial"
ACTOR = "demo-loader"


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


def put_on_plan(tenant: Tenant) -> None:
    """Before provisioning: the plan the federal board approved the demo tenant on."""
    if not Subscription.objects.filter(tenant=tenant).exists():
        assign_plan(tenant=tenant, plan=Plan.objects.get(code=DEMO_PLAN), actor=ACTOR)


def load_demo_billing(*, partner: Partner, tenants: list[Tenant]) -> bool:
    """Bills last month to the partner once; returns whether it did anything now."""
    first, _ = previous_month(timezone.localdate())
    # Usage up to yesterday, so the running month's estimate has days in it too.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    if Invoice.objects.filter(partner=partner, period_start=first).exists():
        return False
    plan = Plan.objects.get(code=DEMO_PLAN)
    for tenant in tenants:
        put_on_plan(tenant)
        with transaction.atomic():
            # As if opened on the 1st of last month (a term is history; this one starts earlier).
            if not BillingTerm.objects.filter(tenant=tenant, effective_from__lte=first).exists():
                BillingTerm.objects.create(
                    tenant=tenant,
                    partner=partner,
                    plan=plan,
                    effective_from=first,
                    recorded_by=ACTOR,
                    reason="Demo: in service since the 1st of last month",
                )
        with schema_context(tenant.schema_name):
            officers = list(User.objects.filter(is_active=True).order_by("pk"))
            day = first
            while day <= yesterday:
                for number, officer in enumerate(officers):
                    # Weekdays, and not every officer every day.
                    if day.weekday() < 5 and (day.day + number) % 4:
                        record_active_day(user=officer, day=day)
                day += datetime.timedelta(days=1)
        day = first
        while day <= yesterday:
            collect_usage(tenant.pk, day.isoformat())  # what the nightly task runs per day
            day += datetime.timedelta(days=1)
    run_month_end(month=first, actor=ACTOR)
    return True
