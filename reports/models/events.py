"""The report's audit trail: rule changes and workshops recorded or withdrawn."""

from __future__ import annotations

from django.db import models

from billing.models.append_only import AppendOnly


class ReportEvent(AppendOnly):
    """Who did what, when and from where. Append-only (model and database)."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=254, help_text="E-mail of who acted, or 'system'.")
    action = models.CharField(max_length=60)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["action", "-at"], name="report_event_action")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"
