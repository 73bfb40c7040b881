"""Billing's audit trail: every change of a price, plan, partner, invoice or dunning step."""

from __future__ import annotations

from django.db import models

from billing.models.append_only import AppendOnly


class BillingEvent(AppendOnly):
    """One audited billing action: who, what, when, from where, on which partner / tenant /
    invoice. Append-only (model and database)."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=254, help_text="E-mail of who acted, or 'system'.")
    action = models.CharField(max_length=60)
    partner = models.ForeignKey(
        "tenants.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["action", "-at"], name="billing_event_action")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"
