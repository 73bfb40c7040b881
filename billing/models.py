from django.db import models


class Plan(models.Model):
    """What a tenant is provisioned on; its partner is billed by it (prices come with billing)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    officer_limit = models.PositiveIntegerField(help_text="Accounts the instance is sized for.")
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True, help_text="Offered for new approvals.")

    class Meta:
        ordering = ["officer_limit"]

    def __str__(self) -> str:
        return f"{self.name} (up to {self.officer_limit:,} officers)"


class Subscription(models.Model):
    """The plan a tenant is on: chosen when its application is approved, billing's to keep.

    One per tenant; changing plan later updates it (the ledger of what was billed, with its
    dates, comes with invoicing).
    """

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    assigned_at = models.DateTimeField()
    assigned_by = models.CharField(max_length=254, help_text="E-mail of who chose the plan.")

    def __str__(self) -> str:
        return f"{self.tenant} on {self.plan.name}"
