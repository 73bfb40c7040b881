"""Which partner and plan a tenant is billed to on a day, from its append-only terms."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from billing.models import BillingTerm
from billing.rating import term_runs
from tenants.models import Tenant


def terms_of(tenant: Tenant) -> QuerySet[BillingTerm]:
    """The tenant's terms, newest effective date first (latest recorded first on a tie)."""
    return BillingTerm.objects.filter(tenant=tenant).select_related("plan", "partner")


def term_on(tenant: Tenant, day: datetime.date) -> BillingTerm | None:
    """The term in force on `day`, or None before the tenant's first term."""
    return (
        terms_of(tenant).filter(effective_from__lte=day).order_by("-effective_from", "-id").first()
    )


def terms_for_period(
    tenant: Tenant, first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, datetime.date, BillingTerm]]:
    """The runs of days from `first_day` to `last_day` and the term in force over each, in day
    order (billing.rating.term_runs' rule); days before the tenant's first term are left out."""
    terms = list(terms_of(tenant).filter(effective_from__lte=last_day))
    return term_runs(terms, first_day, last_day)


def billable_tenant_ids(day: datetime.date) -> list[int]:
    """Tenants whose term in force on `day` is billable (they accrue usage that day)."""
    latest: dict[int, BillingTerm] = {}
    for term in BillingTerm.objects.filter(effective_from__lte=day).order_by(
        "tenant_id", "effective_from", "id"
    ):
        latest[term.tenant_id] = term
    return sorted(tenant_id for tenant_id, term in latest.items() if term.billable)
