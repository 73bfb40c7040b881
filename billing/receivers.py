"""Billing's receiver of tenant lifecycle transitions (registered in billing.apps).

It runs inside the transition's transaction (tenants.lifecycle), so a term recorded here
commits or rolls back with the transition itself.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from billing.models import BillingEvent, BillingTerm, Subscription
from tenants.lifecycle import Transition
from tenants.models import Tenant

S = Tenant.State


def tenant_transitioned(transition: Transition) -> None:
    """Starts or stops the tenant's accrual of usage with an append-only BillingTerm.

    - → active (the end of provisioning, or a restore after deletion): a billable term from
      today on the Subscription's plan, billed to the tenant's partner, unless the term in force
      is already billable (active ⇄ suspended changes nothing: a suspended tenant keeps
      accruing, its officers can still sign in and read);
    - → archived: a non-billable term from today (it stops accruing); a billable term dated
      later (a plan change planned before the archive) is cancelled by a non-billable term of
      the same date, as the latest recorded term of a day wins;
    - → deleted, or anything else: nothing. Every term, usage record and invoice is kept.

    "Today" is the transition's day in settings.TIME_ZONE, so the day it happened is billed
    when it became active and not billed when it was archived.
    """
    if transition.to_state == S.ACTIVE and transition.from_state in (S.PROVISIONING, S.DELETED):
        _start_billing(transition)
    elif transition.to_state == S.ARCHIVED:
        _stop_billing(transition)


def _today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _latest_term(tenant: Tenant, day: datetime.date) -> BillingTerm | None:
    return (
        BillingTerm.objects.filter(tenant=tenant, effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .first()
    )


def _reason(transition: Transition, what: str) -> str:
    return f"{what}: {transition.reason}"[:300] if transition.reason else what


def _audit(transition: Transition, action: str, term: BillingTerm) -> None:
    BillingEvent.objects.create(
        actor=transition.actor,
        action=action,
        partner_id=term.partner_id,
        tenant_id=term.tenant_id,
        detail={
            "term": term.pk,
            "plan": term.plan.code,
            "effective_from": term.effective_from.isoformat(),
            "transition": f"{transition.from_state} → {transition.to_state}",
        },
    )


def _start_billing(transition: Transition) -> None:
    tenant, today = transition.tenant, _today()
    latest = _latest_term(tenant, today)
    if latest is not None and latest.billable:
        return
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    if subscription is None:
        return  # never approved with a plan (made directly by a script): nothing to bill
    partner_id = Tenant.objects.filter(pk=tenant.pk).values_list("partner_id", flat=True).get()
    term = BillingTerm.objects.create(
        tenant=tenant,
        partner_id=partner_id,
        plan=subscription.plan,
        effective_from=today,
        billable=True,
        recorded_by=transition.actor,
        reason=_reason(transition, "Started accruing"),
    )
    _audit(transition, "billing_started", term)


def _stop_billing(transition: Transition) -> None:
    tenant, today = transition.tenant, _today()
    latest = _latest_term(tenant, today)
    if latest is None:
        return  # never billed
    later = list(
        BillingTerm.objects.filter(tenant=tenant, effective_from__gt=today).order_by(
            "effective_from", "id"
        )
    )
    stops = [(today, latest)] if latest.billable else []
    # The latest term of each later date decides it; only those that would bill are cancelled.
    by_day: dict[datetime.date, BillingTerm] = {term.effective_from: term for term in later}
    stops += [(day, term) for day, term in sorted(by_day.items()) if term.billable]
    for day, previous in stops:
        term = BillingTerm.objects.create(
            tenant=tenant,
            partner_id=previous.partner_id,
            plan_id=previous.plan_id,
            effective_from=day,
            billable=False,
            recorded_by=transition.actor,
            reason=_reason(transition, "Archived" if day == today else "Cancelled by archive"),
        )
        _audit(transition, "billing_stopped", term)
