"""Reads of the partner's cached cards."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import PaymentMethod
from tenants.models import Partner


def payment_methods_of(partner: Partner) -> QuerySet[PaymentMethod]:
    """The partner's live cards (removed ones left out), the default first, then newest."""
    return PaymentMethod.objects.filter(partner=partner, detached_at__isnull=True).order_by(
        "-is_default", "-attached_at", "-pk"
    )
