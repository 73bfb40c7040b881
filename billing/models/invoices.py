"""The partner's ledger: invoices we compute, their lines and the counter that numbers them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class BillingAccount(models.Model):
    """How a partner is billed: who receives invoices, what is printed on them, its Stripe
    customer. Made when the partner is first billed or first adds a card."""

    partner = models.OneToOneField(
        "tenants.Partner", on_delete=models.PROTECT, related_name="billing_account"
    )
    billing_email = models.EmailField()
    address = models.TextField(blank=True)
    tax_number = models.CharField(
        max_length=40, blank=True, help_text="NTN / STRN printed on invoices."
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Billing account of {self.partner}"


class Invoice(models.Model):
    """What one partner owes for one month (in one currency).

    States: draft → finalised → paid | overdue | void; overdue → paid | void. A finalised
    invoice's lines and amounts never change: a different amount voids it and a new invoice
    `replaces` it. Numbers are given at finalising, gap-free per year (InvoiceCounter); a
    draft has none.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINALISED = "finalised", "Finalised"
        PAID = "paid", "Paid"
        OVERDUE = "overdue", "Overdue"
        VOID = "void", "Void"

    partner = models.ForeignKey(
        "tenants.Partner", on_delete=models.PROTECT, related_name="invoices"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    subtotal_minor = models.BigIntegerField(default=0)
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When Stripe first failed to collect it."
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    stripe_hosted_url = models.URLField(max_length=500, blank=True)
    stripe_status = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-period_start", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period_start", "currency"],
                condition=~Q(state="void"),
                name="one_live_invoice_per_partner_month",
            )
        ]
        indexes = [models.Index(fields=["state"], name="invoice_state")]

    def __str__(self) -> str:
        return self.number or f"Draft for {self.partner} {self.period_start:%B %Y}"


class InvoiceLine(models.Model):
    """One tenant's charge for a run of days on one partner, plan and price.

    Written with its invoice and never changed, except that the id of the Stripe invoice item
    made for it is filled in once (billing 0004's trigger enforces both). `trace` lists the
    usage records (ids and days) the amounts were computed from.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    plan = models.ForeignKey("billing.Plan", on_delete=models.PROTECT, related_name="+")
    price = models.ForeignKey("billing.PlanPrice", on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    days = models.PositiveSmallIntegerField(help_text="Days of usage recorded in the run.")
    month_days = models.PositiveSmallIntegerField()
    seats = models.PositiveIntegerField()
    seat_amount_minor = models.BigIntegerField()
    storage_gb = models.DecimalField(
        max_digits=14, decimal_places=3, help_text="Average GB stored over the run's days."
    )
    storage_over_gb = models.DecimalField(max_digits=14, decimal_places=3)
    storage_amount_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    trace = models.JSONField(default=dict)
    stripe_item_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position")
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceCounter(models.Model):
    """The last invoice number given in a year (taken with one upsert in the finalising
    transaction, so numbers queue on the row and a rolled-back finalise gives it back)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
