"""Training workshops held for a tenant's officers: what `officers_trained` counts."""

from __future__ import annotations

from typing import Any

from django.db import models

from billing.models.append_only import AppendOnly


class Workshop(models.Model):
    """A workshop for one tenant, with either `attendee_count` or named attendees.

    Never deleted, and never changed but for its withdrawal (once, with who and why); the
    database refuses anything else (reports 0002's trigger). A withdrawn workshop counts for
    nothing.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    place = models.CharField(max_length=200)
    trainer = models.CharField(max_length=200)
    attendee_count = models.PositiveIntegerField(
        default=0, help_text="Attendees counted, when they are not named."
    )
    recorded_by = models.CharField(max_length=254)
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=254, blank=True)
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["tenant", "date"], name="workshop_tenant_date")]

    def __str__(self) -> str:
        return f"Workshop for {self.tenant_id} on {self.date} at {self.place}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Workshops are never deleted; withdraw them with a reason.")


class WorkshopAttendee(AppendOnly):
    """An officer named as trained at a workshop; officers are counted distinct by name and
    post (compared trimmed and case-insensitively) across all of a tenant's workshops."""

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="attendees")
    name = models.CharField(max_length=200)
    post = models.CharField(max_length=200)

    class Meta:
        ordering = ["workshop", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.post})"
