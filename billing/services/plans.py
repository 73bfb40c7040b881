"""Changes to billing data. Each function is one transaction."""

from django.db import transaction
from django.utils import timezone

from billing.models import Plan, Subscription
from tenants.models import Tenant


@transaction.atomic
def assign_plan(*, tenant: Tenant, plan: Plan, actor: str) -> Subscription:
    """Puts the tenant on `plan` (its first plan at approval, or a change of plan later)."""
    subscription, _ = Subscription.objects.update_or_create(
        tenant=tenant,
        defaults={"plan": plan, "assigned_at": timezone.now(), "assigned_by": actor},
    )
    return subscription
