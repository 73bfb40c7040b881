"""The webhook log: every event Stripe sent us, stored once by its id."""

from __future__ import annotations

from django.db import models


class StripeEvent(models.Model):
    """One Stripe event as received (its id is unique: a replay finds the row and is ignored).

    The payload is kept for the record only; processing re-reads the object it names from
    Stripe, because events arrive out of order and a payload may be stale. Never deleted;
    `processed_at`, `attempts` and `error` say how processing went.
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["type", "-received_at"], name="stripe_event_type")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
