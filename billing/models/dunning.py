"""Dunning: the grace period an unpaid invoice opens before its tenants become read-only."""

from __future__ import annotations

import datetime

from django.db import models


class GracePeriod(models.Model):
    """The days an unpaid invoice may stay unpaid before its tenants become read-only.

    Opened once per invoice (billing.services.dunning.invoice_changed), when a payment fails
    or the due date passes unpaid; `ends_on` is the last day of grace (the plan's grace_days
    after `started_on`), `extended_to` a later last day a federal administrator granted. The
    tenants become read-only from the day after the last day, in settings.TIME_ZONE. Closed
    (never deleted) when the invoice is paid or voided. Each reminder is sent once: its
    `reminded_*_at` is set in the transaction that queues the e-mails.
    """

    class Outcome(models.TextChoices):
        PAID = "paid", "Paid"
        VOID = "void", "Voided"

    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.PROTECT, related_name="grace_period"
    )
    opened_because = models.CharField(
        max_length=20, help_text="payment_failed or overdue: what opened the grace."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    started_on = models.DateField(help_text="The day the payment failed or fell overdue.")
    ends_on = models.DateField(help_text="The last day of grace as first opened.")
    extended_to = models.DateField(null=True, blank=True)
    reminded_start_at = models.DateTimeField(null=True, blank=True)
    reminded_midway_at = models.DateTimeField(null=True, blank=True)
    reminded_last_day_at = models.DateTimeField(
        null=True, blank=True, help_text="The reminder one day before the (extended) end."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["closed_at"], name="grace_open")]

    def __str__(self) -> str:
        return f"Grace of {self.invoice} until {self.last_day}"

    @property
    def last_day(self) -> datetime.date:
        """The last day the invoice's tenants stay writable unpaid."""
        return self.extended_to or self.ends_on

    @property
    def midway(self) -> datetime.date:
        return self.started_on + (self.ends_on - self.started_on) // 2

    def has_ended(self, today: datetime.date) -> bool:
        return self.closed_at is None and today > self.last_day
