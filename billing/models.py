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
