"""Reads inside the current tenant's schema."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User


def rollup_figures() -> dict[str, int]:
    """The figures this tenant reports to the federal board (see tenants.TenantRollup)."""
    active = User.objects.filter(is_active=True)
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "officers": active.count(),
        "officers_signed_in_7d": active.filter(last_login__gte=week_ago).count(),
    }


def officer_directory() -> QuerySet[User]:
    return User.objects.filter(is_active=True).only("full_name", "email", "is_staff")
