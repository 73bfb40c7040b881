"""Changes to billing data. Each function is one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.models import BillingEvent, Plan, Subscription
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
    description: str,
    grace_days: int,
    actor: str,
    currency: str = "pkr",
    ip_address: str | None = None,
) -> Plan:
    """A new plan, offered at once, with no price yet (set_price gives it one); audited.
    Refused (ValidationError) for a code another plan has.

    (Minimal version written by the portal helper; the ledger helper owns this module.)
    """
    if Plan.objects.filter(code=code).exists():
        raise ValidationError(f"A plan with the code {code!r} exists already.")
    plan = Plan.objects.create(
        code=code,
        name=name,
        officer_limit=officer_limit,
        description=description,
        grace_days=grace_days,
        currency=currency.lower(),
    )
    BillingEvent.objects.create(
        actor=actor,
        action="plan_created",
        detail={"plan": code, "name": name, "grace_days": grace_days, "currency": currency},
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
    period (for grace periods opened from now on); audited with what changed. Prices change
    only through set_price.

    (Minimal version written by the portal helper; the ledger helper owns this module.)
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    changes = {
        field: [getattr(plan, field), value]
        for field, value in (
            ("name", name),
            ("description", description),
            ("is_active", is_active),
            ("grace_days", grace_days),
        )
        if getattr(plan, field) != value
    }
    if changes:
        for field, (_, value) in changes.items():
            setattr(plan, field, value)
        plan.save(update_fields=list(changes))
        BillingEvent.objects.create(
            actor=actor,
            action="plan_updated",
            detail={"plan": plan.code, "changes": changes},
            ip_address=ip_address,
        )
    return plan
