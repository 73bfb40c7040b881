from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from tenants.naming import GENERATED_SCHEMA_NAME, schema_name_for
from tenants.routing import RoutedQuerySet


class Partner(models.Model):
    """A private IT vendor that operates tenants under a public-private partnership."""

    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerMembership(models.Model):
    """A control-plane account's place on a partner's staff, with the role it holds there.

    Never deleted: removing someone from the staff stamps `removed_at` / `removed_by`, so the
    row stays as the record of who invited whom and who removed them. A person holds at most
    one live membership of a partner (a later invitation after a removal is a new row).
    """

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        BILLING = "billing", "Billing"
        SUPPORT = "support", "Support"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    invited_by = models.CharField(max_length=254, help_text="E-mail of who added them.")
    invited_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=254, blank=True)
    removed_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["partner", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "user"],
                condition=models.Q(removed_at__isnull=True),
                name="one_live_membership_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.partner}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Partner memberships are never deleted; mark them removed instead.")


class Tenant(TenantMixin):
    """A province, department or ministry with its own e-office in its own schema.

    Its schema name is generated from its id when it is first saved (tenants.naming); the
    address it asked for is `subdomain` and its `Domain` rows, never a schema name.
    """

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

    # Declared by django-tenants' TenantMixin, which has no types.
    schema_name: str
    pk: int  # None only before the first save

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

    # Bulk updates move tenant routing's generation on, as saves do (tenants.routing).
    objects = RoutedQuerySet.as_manager()

    # Schemas are made by provisioning, step by step, and never dropped by a model delete.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [
            # Whatever code writes a tenant row, its schema name is one the platform generated.
            models.CheckConstraint(
                condition=models.Q(schema_name__regex=GENERATED_SCHEMA_NAME.pattern),
                name="tenant_schema_name_is_generated",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            if self.schema_name:
                raise ValueError(
                    "A tenant's schema name is generated from its id; leave schema_name empty."
                )
            if self.pk is None:
                self.pk = _next_tenant_id()
            self.schema_name = schema_name_for(self.pk)
        super().save(*args, **kwargs)


def _next_tenant_id() -> int:
    """Takes the next id of the tenants table, so the row is written once with its schema name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Tenant._meta.db_table])
        return int(cursor.fetchone()[0])


class Domain(DomainMixin):
    """A host name that serves one tenant (its subdomain of the platform, or a custom domain)."""

    objects = RoutedQuerySet.as_manager()


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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Tenant events are append-only; record a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Tenant events are append-only and are never deleted.")


class Application(models.Model):
    """What an organisation submitted when it applied, and the federal board's decision.

    The survey is kept as submitted (already validated; see eoffice.org_chart_csv), so the org chart
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


class SuspensionHold(models.Model):
    """One reason a tenant is suspended: a tenant is suspended while any hold on it is open.

    A federal hold is placed and lifted by the federal board (suspend / resume); a billing hold
    by dunning, for one unpaid invoice (`reference` is its number), and lifted when that invoice
    is paid, voided or its grace extended. Lifting one kind never lifts the other. Holds are
    never deleted: a lifted hold keeps who lifted it and when (and the database refuses any
    other change; tenants 0006's trigger).
    """

    class Kind(models.TextChoices):
        FEDERAL = "federal", "Federal"
        BILLING = "billing", "Billing"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reference = models.CharField(
        max_length=40, blank=True, help_text="What the hold is for, e.g. an invoice number."
    )
    reason = models.TextField()
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.CharField(max_length=254, help_text="E-mail of who acted, or 'system'.")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=254, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "reference"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_open_hold_per_kind_and_reference",
            )
        ]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "open"
        return f"{self.tenant}: {self.get_kind_display()} hold {self.reference} ({state})"

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Suspension holds are never deleted; lift the hold instead.")
