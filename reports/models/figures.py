"""One tenant's month of figures, derived from its in-force daily usage records."""

from __future__ import annotations

from django.db import models


class MonthlyFigures(models.Model):
    """A tenant's figures for one month, rebuilt idempotently by reports.services.rollup.

    Derived data, not a record: it is overwritten by every roll-up of the month from the
    in-force billing.UsageRecord rows of its days (sums of the per-day figures; the last
    recorded day's value of the month-to-date and snapshot figures; pendency from the last day
    that measured it) and from the workshops recorded up to the month's end.
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="monthly_figures"
    )
    month = models.DateField(help_text="The month's first day.")
    days_recorded = models.PositiveSmallIntegerField(default=0)
    days_missing = models.PositiveSmallIntegerField(
        default=0, help_text="Billable finished days of the month without a usage record."
    )
    receipts_electronic = models.PositiveIntegerField(default=0)
    receipts_physical = models.PositiveIntegerField(default=0)
    files_opened = models.PositiveIntegerField(default=0)
    files_opened_electronic = models.PositiveIntegerField(default=0)
    files_opened_physical = models.PositiveIntegerField(default=0)
    files_closed = models.PositiveIntegerField(default=0)
    closing_days_sum = models.PositiveBigIntegerField(default=0)
    files_active = models.PositiveIntegerField(default=0)
    file_posts_sum = models.PositiveBigIntegerField(default=0)
    pendency_measured = models.BooleanField(default=False)
    pending_over_7 = models.PositiveIntegerField(default=0)
    pending_over_30 = models.PositiveIntegerField(default=0)
    worst_posts = models.JSONField(default=list, blank=True)
    officers = models.PositiveIntegerField(default=0)
    officers_active = models.PositiveIntegerField(
        default=0, help_text="officers_active_month of the month's last recorded day."
    )
    officers_trained = models.PositiveIntegerField(default=0)
    letters_electronic = models.PositiveIntegerField(default=0)
    letters_post = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    last_day = models.DateField(null=True, blank=True, help_text="The last recorded day.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["month", "tenant"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "month"], name="one_figures_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="figures_month_is_first_day"
            ),
        ]
        indexes = [
            models.Index(fields=["month", "tenant"], name="figures_month_tenant"),
            # The report's cache reads the latest change (reports.selectors.freshness).
            models.Index(fields=["updated_at"], name="figures_updated_at"),
        ]
        verbose_name_plural = "monthly figures"

    def __str__(self) -> str:
        return f"{self.tenant_id} in {self.month:%Y-%m}"
