from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Partner(models.Model):
    """A private IT vendor that operates tenants under a public-private partnership."""

    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField()
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="partners", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tenant(TenantMixin):
    """A province, department or ministry with its own e-office in its own schema."""

    class Kind(models.TextChoices):
        PROVINCE = "province", "Province"
        DEPARTMENT = "department", "Department"
        MINISTRY = "ministry", "Ministry"

    class State(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"
        APPROVED = "approved", "Approved"
        PROVISIONING = "provisioning", "Provisioning"
        PROVISIONING_FAILED = "provisioning_failed", "Provisioning failed"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ARCHIVED = "archived", "Archived"
        DELETED = "deleted", "Deleted"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.APPLIED)
    # The address the tenant holds; a rejected application gives it back (None).
    subdomain = models.CharField(max_length=63, unique=True, null=True, blank=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="tenants"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Where the tenant's files live: a key prefix in the bucket, or a folder locally.
    storage_prefix = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are made by provisioning, step by step, and never dropped by a model delete.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    """A host name that serves one tenant (its subdomain of the platform, or a custom domain)."""


class TenantEvent(models.Model):
    """Append-only record of every lifecycle transition of a tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=20, choices=Tenant.State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=Tenant.State.choices)
    actor = models.CharField(max_length=254, help_text="E-mail of who acted, or 'system'.")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.from_state or '—'} → {self.to_state} by {self.actor}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("Tenant events are append-only; record a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("Tenant events are append-only and are never deleted.")


class Application(models.Model):
    """What an organisation submitted when it applied, and the federal board's decision.

    The survey is kept as submitted (already validated; see tenants.survey), so the org chart
    the instance is seeded with is exactly what the applicant saw on the review step.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="application")
    subdomain = models.CharField(max_length=63)
    contact_name = models.CharField(max_length=200)
    contact_designation = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40)
    survey = models.JSONField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=254, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"Application of {self.tenant.name} ({self.subdomain})"


class TenantRollup(models.Model):
    """Per-tenant figures, written by a task running in the tenant's schema.

    Federal views read these instead of walking every schema on a request.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="rollup")
    officers = models.PositiveIntegerField(default=0)
    officers_signed_in_7d = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.tenant}: {self.officers} officers at {self.computed_at:%Y-%m-%d %H:%M}"
