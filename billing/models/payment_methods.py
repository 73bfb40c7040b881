"""The partner's cards as Stripe holds them, cached for the portal."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PaymentMethod(models.Model):
    """A card attached to the partner's Stripe customer (Stripe is the source of truth; this
    row is refreshed whenever Stripe tells us or we act). A removed card is kept with
    `detached_at` set, never deleted. At most one live card per partner is the default."""

    partner = models.ForeignKey(
        "tenants.Partner", on_delete=models.PROTECT, related_name="payment_methods"
    )
    stripe_id = models.CharField(max_length=255, unique=True)
    brand = models.CharField(max_length=30, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    attached_at = models.DateTimeField(auto_now_add=True)
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner", "-is_default", "-attached_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_default=True, detached_at__isnull=True),
                name="one_default_payment_method",
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"
