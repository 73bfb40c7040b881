"""Daily usage per tenant: what every invoice line traces back to, and what the federal
implementation report reads."""

from __future__ import annotations

from django.db import models

from billing.models.append_only import AppendOnly


class UsageRecord(AppendOnly):
    """One tenant's figures for one day, computed inside its schema and collected here.

    Append-only: the first collection of a day is revision 0 and a re-run finds it and writes
    nothing; a recomputation asked for on purpose is the next revision (`recomputed_by` says
    who asked), and readers take the highest revision of each day. A day without a row was
    not measured (shown as missing, never as zero).

    `figures` holds the e-office's further daily figures for the federal report (receipts,
    files, pendency …), keyed by name, so the report can grow without a migration here.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="usage")
    day = models.DateField()
    revision = models.PositiveSmallIntegerField(default=0)
    officers = models.PositiveIntegerField(help_text="Active officer accounts at the day's end.")
    officers_active = models.PositiveIntegerField(help_text="Officers who signed in that day.")
    officers_active_month = models.PositiveIntegerField(
        help_text="Distinct officers who signed in from the 1st of the month to this day."
    )
    storage_bytes = models.PositiveBigIntegerField(
        help_text="Bytes the tenant's documents held in object storage at the day's end."
    )
    figures = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now_add=True)
    recomputed_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["tenant", "day", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day", "revision"], name="one_usage_record_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant} on {self.day} (rev. {self.revision})"


class UsageAttempt(AppendOnly):
    """A collection of a tenant's day that failed, so the gap is shown with its reason."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    error = models.TextField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["tenant", "day"], name="usage_attempt_day")]

    def __str__(self) -> str:
        return f"{self.tenant} on {self.day}: {self.error[:60]}"
