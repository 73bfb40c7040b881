"""Reads of billing data."""

from django.db.models import QuerySet

from billing.models import Plan


def plans_on_offer() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)
