"""Plans: what a tenant is on. Federal administrators create and change them; every change is
audited. A plan is created with its first price, so every day it is in use can be rated."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.audit import record_billing_event
from billing.models import Plan, Subscription
from billing.services.prices import set_price
from tenants.models import Tenant


@transaction.atomic
def assign_plan(*, tenant: Tenant, plan: Plan, actor: str) -> Subscription:
    """Puts the tenant on `plan` (its first plan at approval, or a change of plan later)."""
    subscription, _ = Subscription.objects.update_or_create(
        tenant=tenant,
        defaults={"plan": plan, "assigned_at": timezone.now(), "assigned_by": actor},
    )
    return subscription


@transaction.atomic
def create_plan(
    *,
    code: str,
    name: str,
    officer_limit: int,
    seat_price_minor: int,
    included_storage_gb: int,
    extra_gb_price_minor: int,
    prices_from: datetime.date,
    actor: str,
    description: str = "",
    currency: str = "pkr",
    grace_days: int = 14,
    is_active: bool = True,
    ip_address: str | None = None,
) -> Plan:
    """A new plan with its first price from `prices_from`, both audited; a code already in use
    is refused (ValidationError)."""
    if Plan.objects.filter(code=code).exists():
        raise ValidationError(f"A plan with the code “{code}” exists.", code="plan_exists")
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError("The currency is a three-letter ISO code, such as PKR.")
    plan = Plan.objects.create(
        code=code,
        name=name,
        officer_limit=officer_limit,
        description=description,
        currency=currency.lower(),
        grace_days=grace_days,
        is_active=is_active,
    )
    record_billing_event(
        actor=actor,
        action="plan.created",
        detail={"plan": code, "name": name, "currency": plan.currency, "grace_days": grace_days},
        ip_address=ip_address,
    )
    set_price(
        plan=plan,
        effective_from=prices_from,
        seat_price_minor=seat_price_minor,
        included_storage_gb=included_storage_gb,
        extra_gb_price_minor=extra_gb_price_minor,
        actor=actor,
        reason="First price of the plan",
        ip_address=ip_address,
    )
    return plan


@transaction.atomic
def update_plan(
    *,
    plan: Plan,
    name: str,
    description: str,
    is_active: bool,
    grace_days: int,
    actor: str,
    ip_address: str | None = None,
) -> Plan:
    """Changes what a plan is called, whether it is offered for new approvals and its grace
    period (for grace periods opened from now on); audited with the fields that changed, and
    nothing recorded when nothing changed. Prices change through set_price, never here."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    wanted = {
        "name": name,
        "description": description,
        "is_active": is_active,
        "grace_days": grace_days,
    }
    changes = {
        field: [getattr(locked, field), value]
        for field, value in wanted.items()
        if getattr(locked, field) != value
    }
    if not changes:
        return locked
    for field, (_, value) in changes.items():
        setattr(locked, field, value)
        setattr(plan, field, value)
    locked.save(update_fields=list(changes))
    record_billing_event(
        actor=actor,
        action="plan.updated",
        detail={"plan": locked.code, "changes": changes},
        ip_address=ip_address,
    )
    return locked
