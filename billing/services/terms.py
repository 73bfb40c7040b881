"""Plan and partner changes: a new billing term from an effective date, never a rewrite.

A change is refused when its date falls in (or before) a month already invoiced for the
tenant. One dated today or earlier takes effect at once (the tenant's Subscription and its
partner follow); one dated later is recorded now and applied on its day by apply_due_terms
(a daily task), while rating reads the term itself, so the bill is right either way.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.audit import record_billing_event
from billing.models import BillingTerm, Plan, Subscription
from billing.selectors.invoices import issued_line_from
from billing.selectors.plans import has_price_on
from billing.selectors.terms import term_on
from billing.services.plans import assign_plan
from billing.services.prices import first_of_month_after, long_date
from tenants.models import Partner, Tenant
from tenants.services import set_partner


def _check_change(tenant: Tenant, effective_from: datetime.date, reason: str) -> None:
    if not reason.strip():
        raise ValidationError("Say why the change is made; the reason is kept with it.")
    # A term recorded for a later day copied the partner and plan in force when it was made;
    # a change before it would be silently undone on its day.
    later = (
        BillingTerm.objects.filter(tenant=tenant, effective_from__gt=effective_from)
        .order_by("effective_from")
        .first()
    )
    if later is not None:
        raise ValidationError(
            f"A change of {tenant} from {long_date(later.effective_from)} is already recorded; "
            f"choose a date from then on, or record this change from that date.",
            code="later_change",
        )
    billed = issued_line_from(day=effective_from, tenant=tenant)
    if billed is not None:
        raise ValidationError(
            f"{billed.invoice.period_start:%B %Y} is already invoiced for {tenant} "
            f"({billed.invoice.number}); the change can take effect from "
            f"{long_date(first_of_month_after(billed.invoice.period_end))} at the earliest.",
            code="month_invoiced",
        )


def _record_term(
    tenant: Tenant,
    *,
    partner: Partner | None,
    plan: Plan,
    effective_from: datetime.date,
    billable: bool,
    actor: str,
    reason: str,
) -> BillingTerm:
    return BillingTerm.objects.create(
        tenant=tenant,
        partner=partner,
        plan=plan,
        effective_from=effective_from,
        billable=billable,
        recorded_by=actor,
        reason=reason.strip()[:300],
    )


def _in_force(tenant: Tenant, day: datetime.date) -> tuple[Partner | None, Plan, bool]:
    """The partner, plan and billability a new term carries over from the term in force on
    `day` (or, before the first term, from the tenant's partner and Subscription)."""
    current = term_on(tenant, day)
    if current is not None:
        return current.partner, current.plan, current.billable
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    if subscription is None:
        raise ValidationError(f"{tenant} has no plan yet; it is given one at approval.")
    billable = tenant.state in (Tenant.State.ACTIVE, Tenant.State.SUSPENDED)
    return tenant.partner, subscription.plan, billable


@transaction.atomic
def change_plan(
    *,
    tenant: Tenant,
    plan: Plan,
    effective_from: datetime.date,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> BillingTerm:
    """Bills the tenant on `plan` from `effective_from` (its partner unchanged), audited.

    Refused (ValidationError, nothing written) in a month already invoiced, without a reason,
    or when the tenant is already on the plan that day. Takes effect at once when the date is
    today or past (the Subscription follows), else on its day (apply_due_terms). A later term
    already recorded keeps its own plan from its own date.
    """
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)  # one change at a time
    _check_change(locked, effective_from, reason)
    if not has_price_on(plan, effective_from):
        raise ValidationError(
            f"{plan.name} has no price on {long_date(effective_from)}; give it one first.",
            code="plan_unpriced",
        )
    partner, current_plan, billable = _in_force(locked, effective_from)
    if current_plan == plan:
        raise ValidationError(f"{tenant} is already on {plan.name} on {long_date(effective_from)}.")
    term = _record_term(
        locked,
        partner=partner,
        plan=plan,
        effective_from=effective_from,
        billable=billable,
        actor=actor,
        reason=reason,
    )
    if effective_from <= timezone.localdate():
        assign_plan(tenant=locked, plan=plan, actor=actor)
    record_billing_event(
        actor=actor,
        action="term.plan_changed",
        partner=partner,
        tenant=locked,
        detail={
            "term_id": term.pk,
            "from_plan": current_plan.code,
            "to_plan": plan.code,
            "effective_from": effective_from.isoformat(),
            "reason": term.reason,
        },
        ip_address=ip_address,
    )
    return term


@transaction.atomic
def change_partner(
    *,
    tenant: Tenant,
    partner: Partner,
    effective_from: datetime.date,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> BillingTerm:
    """Bills the tenant to `partner` from `effective_from` (its plan unchanged), audited: the
    old partner is billed the days before, the new one the days from it.

    Refused (ValidationError, nothing written) in a month already invoiced for the tenant (to
    either partner), without a reason, or when `partner` already has the tenant that day.
    Takes effect at once when the date is today or past (Tenant.partner follows, through
    tenants.services.set_partner), else on its day (apply_due_terms).
    """
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    _check_change(locked, effective_from, reason)
    current_partner, plan, billable = _in_force(locked, effective_from)
    if current_partner == partner:
        raise ValidationError(
            f"{tenant} is already billed to {partner} on {long_date(effective_from)}."
        )
    term = _record_term(
        locked,
        partner=partner,
        plan=plan,
        effective_from=effective_from,
        billable=billable,
        actor=actor,
        reason=reason,
    )
    if effective_from <= timezone.localdate():
        set_partner(tenant=locked, partner=partner, actor=actor, reason=reason.strip())
        tenant.partner = partner
    record_billing_event(
        actor=actor,
        action="term.partner_changed",
        partner=partner,
        tenant=locked,
        detail={
            "term_id": term.pk,
            "from_partner": current_partner.pk if current_partner else None,
            "to_partner": partner.pk,
            "effective_from": effective_from.isoformat(),
            "reason": term.reason,
        },
        ip_address=ip_address,
    )
    return term


def apply_due_terms(
    *, today: datetime.date | None = None, actor: str = "system"
) -> list[BillingTerm]:
    """Applies the terms recorded for a future day that has now come: the tenant's Subscription
    and partner follow the term in force today. Only such terms are applied (a tenant whose
    latest term took effect when it was recorded is left alone), and a tenant already in line
    is not touched, so running it twice, or late, does the same. Each tenant in its own
    transaction, audited. Returns the terms applied."""
    today = today or timezone.localdate()
    latest: dict[int, BillingTerm] = {}
    for term in BillingTerm.objects.filter(effective_from__lte=today).order_by(
        "tenant_id", "effective_from", "id"
    ):
        latest[term.tenant_id] = term
    due = [
        term
        for term in latest.values()
        if timezone.localtime(term.recorded_at).date() < term.effective_from
    ]
    if not due:
        return []
    tenants = Tenant.objects.in_bulk([term.tenant_id for term in due])
    plans = dict(
        Subscription.objects.filter(tenant_id__in=tenants).values_list("tenant_id", "plan_id")
    )
    applied: list[BillingTerm] = []
    for term in due:
        tenant = tenants[term.tenant_id]
        plan_due = plans.get(tenant.pk) != term.plan_id
        partner_due = tenant.partner_id != term.partner_id
        if not (plan_due or partner_due):
            continue
        with transaction.atomic():
            if plan_due:
                assign_plan(tenant=tenant, plan=term.plan, actor=actor)
            if partner_due:
                set_partner(tenant=tenant, partner=term.partner, actor=actor, reason=term.reason)
            record_billing_event(
                actor=actor,
                action="term.applied",
                partner=term.partner,
                tenant=tenant,
                detail={
                    "term_id": term.pk,
                    "effective_from": term.effective_from.isoformat(),
                    "plan": plan_due,
                    "partner": partner_due,
                },
            )
        applied.append(term)
    return applied
