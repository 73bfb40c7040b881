"""What the e-office's pages show of billing: the grace banner its administrators see while an
invoice that charges the e-office is unpaid, and why it is read-only if billing made it so.

Runs on tenant requests only (nothing on the control plane), reads the public schema through
billing's and tenants' selectors, and keeps the answer in Django's cache for BANNER_SECONDS per
tenant, so a page costs no query for it most of the time. A payment shows within that time.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name, schema_context

from billing.selectors.dunning import grace_notice_for_tenant
from config.tenancy import request_tenant
from tenants.models import SuspensionHold, Tenant
from tenants.selectors import open_holds

BANNER_SECONDS = 60


def cache_key(tenant_id: int) -> str:
    return f"billing:banner:{tenant_id}"


def grace_banner(request: HttpRequest) -> dict[str, Any]:
    """`grace_notice` (to the e-office's administrators: invoice number, the e-office's share,
    last day, whether grace has ended) and `billing_read_only` (to everyone: suspended for an
    unpaid invoice and not by the federal board)."""
    tenant = request_tenant(request)
    if tenant is None:
        return {}
    user = getattr(request, "user", None)
    is_admin = bool(user is not None and user.is_authenticated and user.is_staff)
    if not is_admin and tenant.state != Tenant.State.SUSPENDED:
        return {}
    banner = cache.get(cache_key(tenant.pk))
    if banner is None:
        banner = _banner_of(tenant)
        cache.set(cache_key(tenant.pk), banner, BANNER_SECONDS)
    return {
        "grace_notice": banner["notice"] if is_admin else None,
        "billing_read_only": tenant.state == Tenant.State.SUSPENDED and banner["billing_only"],
    }


def _banner_of(tenant: Tenant) -> dict[str, Any]:
    with schema_context(get_public_schema_name()):
        notice = grace_notice_for_tenant(tenant)
        kinds = {hold.kind for hold in open_holds(tenant)}
    return {
        "notice": None
        if notice is None
        else {
            "invoice_number": notice.invoice_number,
            "amount_minor": notice.amount_minor,
            "currency": notice.currency,
            "last_day": notice.last_day,
            "ended": notice.ended,
        },
        "billing_only": kinds == {SuspensionHold.Kind.BILLING},
    }
