"""Reads of the record of changes to the org chart and the registry's settings."""

from __future__ import annotations

from django.db.models import QuerySet

from eoffice.models import OrgChange


def org_changes(*, action: str = "") -> QuerySet[OrgChange]:
    """The current tenant's changes, newest first, each with the administrator who made it;
    only those of one kind when `action` (an OrgChange.Action value) is given."""
    changes = OrgChange.objects.select_related("officer").order_by("-at", "-pk")
    if action:
        changes = changes.filter(action=action)
    return changes
