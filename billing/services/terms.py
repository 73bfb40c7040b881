"""A tenant's plan or partner changes from a date on: a new BillingTerm, never an edit.

(Minimal version written by the portal helper for the tenant page's billing panel; the ledger
helper owns this module and its full version, with the daily task that applies future dates,
replaces it.)
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.models import BillingEvent, BillingTerm, Invoice, InvoiceLine, Plan
from billing.selectors.plans import plan_of
from billing.selectors.terms import term_on
from billing.services.plans import assign_plan
from tenants.models import Partner, Tenant
from tenants.services import set_partner

ISSUED_STATES = (Invoice.State.FINALISED, Invoice.State.PAID, Invoice.State.OVERDUE)


def _refuse_invoiced(tenant: Tenant, effective_from: datetime.date) -> None:
    billed = (
        InvoiceLine.objects.filter(
            tenant=tenant, invoice__state__in=ISSUED_STATES, last_day__gte=effective_from
        )
        .select_related("invoice")
        .order_by("-last_day")
        .first()
    )
    if billed is not None:
        raise ValidationError(
            f"{tenant.name} is already invoiced up to {billed.last_day:%d %B %Y} "
            f"({billed.invoice.number}); choose a later day."
        )


def _append_term(
    *,
    tenant: Tenant,
    effective_from: datetime.date,
    plan: Plan | None,
    partner: Partner | None,
    actor: str,
    reason: str,
) -> BillingTerm:
    Tenant.objects.select_for_update().get(pk=tenant.pk)  # changes of one tenant queue here
    _refuse_invoiced(tenant, effective_from)
    current = term_on(tenant, effective_from)
    plan = plan or (current.plan if current else plan_of(tenant))
    if plan is None:
        raise ValidationError(f"{tenant.name} has no plan yet.")
    return BillingTerm.objects.create(
        tenant=tenant,
        partner=partner or (current.partner if current else tenant.partner),
        plan=plan,
        effective_from=effective_from,
        billable=current.billable if current else True,
        recorded_by=actor,
        reason=reason,
    )


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
    """Bills the tenant on `plan` from `effective_from` on (a new term; audited); the tenant's
    current plan changes now when the day is today or past. Refused (ValidationError) for a
    day an issued invoice already bills."""
    term = _append_term(
        tenant=tenant,
        effective_from=effective_from,
        plan=plan,
        partner=None,
        actor=actor,
        reason=reason,
    )
    if effective_from <= timezone.localdate():
        assign_plan(tenant=tenant, plan=plan, actor=actor)
    BillingEvent.objects.create(
        actor=actor,
        action="plan_changed",
        tenant=tenant,
        partner=term.partner,
        detail={"plan": plan.code, "effective_from": effective_from.isoformat(), "reason": reason},
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
    """Bills the tenant to `partner` from `effective_from` on (a new term; audited), so each
    partner is billed its own days; the tenant's operator changes now when the day is today or
    past. Refused (ValidationError) for a day an issued invoice already bills."""
    term = _append_term(
        tenant=tenant,
        effective_from=effective_from,
        plan=None,
        partner=partner,
        actor=actor,
        reason=reason,
    )
    if effective_from <= timezone.localdate():
        set_partner(tenant=tenant, partner=partner, actor=actor, reason=reason)
    BillingEvent.objects.create(
        actor=actor,
        action="partner_changed",
        tenant=tenant,
        partner=partner,
        detail={
            "partner": partner.name,
            "effective_from": effective_from.isoformat(),
            "reason": reason,
        },
        ip_address=ip_address,
    )
    return term
