"""Plans and the prices they charge: what a tenant is on, and what its partner pays for it."""

from __future__ import annotations

from django.db import models

from billing.models.append_only import AppendOnly


class Plan(models.Model):
    """What a tenant is provisioned on; its partner is billed by the plan's prices."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    officer_limit = models.PositiveIntegerField(help_text="Accounts the instance is sized for.")
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True, help_text="Offered for new approvals.")
    # ISO 4217, lower case as Stripe writes it; amounts are in its minor unit (paisa for PKR).
    currency = models.CharField(max_length=3, default="pkr")
    grace_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days an unpaid invoice may stay unpaid before read-only."
    )

    class Meta:
        ordering = ["officer_limit"]

    def __str__(self) -> str:
        return f"{self.name} (up to {self.officer_limit:,} officers)"


class PlanPrice(AppendOnly):
    """A plan's prices from a day on, until a later price of the same plan takes over.

    Append-only: a price change is a new row with its effective date, so a month already billed
    is rated again with exactly the prices it was billed with.
    """

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="prices")
    effective_from = models.DateField()
    seat_price_minor = models.PositiveBigIntegerField(
        help_text="Per active seat (an officer who signed in) per month, in the minor unit."
    )
    included_storage_gb = models.PositiveIntegerField()
    extra_gb_price_minor = models.PositiveBigIntegerField(
        help_text="Per GB over the included storage per month, in the minor unit."
    )
    recorded_by = models.CharField(max_length=254)
    recorded_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "effective_from"], name="one_price_per_plan_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} from {self.effective_from}"


class Subscription(models.Model):
    """The plan a tenant is on now (one per tenant); BillingTerm keeps what it was on when."""

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    assigned_at = models.DateTimeField()
    assigned_by = models.CharField(max_length=254, help_text="E-mail of who chose the plan.")

    def __str__(self) -> str:
        return f"{self.tenant} on {self.plan.name}"


class BillingTerm(AppendOnly):
    """From `effective_from` on, the tenant is billed to `partner` on `plan`.

    Append-only history: the term in force on a day is the one with the latest effective date
    on or before it (the latest recorded, if two share a date). `billable` False marks the day
    a tenant stopped accruing (archived); a later billable term starts it again (restored).
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="billing_terms"
    )
    partner = models.ForeignKey(
        "tenants.Partner", on_delete=models.PROTECT, null=True, related_name="billing_terms"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="terms")
    effective_from = models.DateField()
    billable = models.BooleanField(default=True)
    recorded_by = models.CharField(max_length=254)
    recorded_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["tenant", "-effective_from", "-id"]
        indexes = [models.Index(fields=["tenant", "effective_from"], name="term_in_force")]

    def __str__(self) -> str:
        return f"{self.tenant} from {self.effective_from}: {self.plan} for {self.partner}"
