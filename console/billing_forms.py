"""The confirmations the federal billing screens ask for: a new price, a grace extension, a
tenant's change of plan or partner."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from billing.models import Plan
from console.forms import OwnIds
from tenants.models import Partner


class DateInput(forms.DateInput):
    """A date typed as dd/mm/yyyy (the platform's first input format, config/formats), not
    the browser's date picker, whose order follows the browser's locale."""

    input_type = "text"

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": "dd/mm/yyyy",
                "class": "date-input",
                "size": "10",
            }
        )


class PriceForm(OwnIds):
    """A plan's new prices, in rupees (stored in paisa), from a day on."""

    id_prefix = "price"

    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), empty_label=None)
    effective_from = forms.DateField(
        widget=DateInput(),
        help_text="Days from this one on are billed at these prices; earlier days keep theirs.",
    )
    seat_price = forms.DecimalField(
        label="Price per active seat per month",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=(
            "In the plan's currency (PKR: rupees). An active seat is an officer who signed in "
            "during the month."
        ),
    )
    included_storage_gb = forms.IntegerField(label="Included storage (GB)", min_value=0)
    extra_gb_price = forms.DecimalField(
        label="Price per extra GB per month", min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    reason = forms.CharField(
        max_length=300, help_text="Recorded with the price and in the audit trail."
    )
    confirm = forms.BooleanField(
        label="I understand every tenant on this plan is billed at these prices from that day.",
        error_messages={"required": "Tick the box to confirm."},
    )


class ExtensionForm(OwnIds):
    id_prefix = "extension"

    until = forms.DateField(
        label="Grace ends on",
        widget=DateInput(),
        help_text="The e-offices on this invoice stay writable until the end of this day.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the billing audit trail.",
    )
    confirm = forms.BooleanField(
        label="I grant the partner more time to pay this invoice.",
        error_messages={"required": "Tick the box to confirm."},
    )


class ChangePlanForm(OwnIds):
    id_prefix = "plan_change"

    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), empty_label=None)
    effective_from = forms.DateField(
        widget=DateInput(),
        help_text="Days from this one on are billed on the new plan; a past day takes effect now.",
    )
    reason = forms.CharField(max_length=300, help_text="Recorded in the billing audit trail.")
    confirm = forms.BooleanField(
        label="I understand the partner is billed on this plan from that day.",
        error_messages={"required": "Tick the box to confirm."},
    )


class ChangePartnerForm(OwnIds):
    id_prefix = "partner_change"

    partner = forms.ModelChoiceField(queryset=Partner.objects.all(), empty_label=None)
    effective_from = forms.DateField(
        widget=DateInput(),
        help_text="Each partner is billed for its own days of the month.",
    )
    reason = forms.CharField(max_length=300, help_text="Recorded in the billing audit trail.")
    confirm = forms.BooleanField(
        label="I understand the new partner operates and pays for this e-office from that day.",
        error_messages={"required": "Tick the box to confirm."},
    )


class PlanForm(OwnIds):
    """A plan's name, description, whether it is offered and its grace period."""

    id_prefix = "plan"

    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=300, required=False)
    is_active = forms.BooleanField(label="Offered for new approvals", required=False)
    grace_days = forms.IntegerField(
        label="Grace period (days)",
        min_value=1,
        max_value=90,
        help_text="How long an unpaid invoice may stay unpaid before its e-offices are read-only.",
    )
    confirm = forms.BooleanField(
        label="I understand grace periods opened from now on use this length.",
        error_messages={"required": "Tick the box to confirm."},
    )


class NewPlanForm(OwnIds):
    id_prefix = "new_plan"

    code = forms.SlugField(max_length=40, help_text="A short fixed name, e.g. district.")
    name = forms.CharField(max_length=100)
    officer_limit = forms.IntegerField(
        label="Officer accounts it is sized for", min_value=1, max_value=10_000_000
    )
    description = forms.CharField(max_length=300, required=False)
    grace_days = forms.IntegerField(
        label="Grace period (days)", min_value=1, max_value=90, initial=14
    )
    prices_from = forms.DateField(
        widget=DateInput(), help_text="The first day its prices apply (a plan is never free)."
    )
    seat_price = forms.DecimalField(
        label="Price per active seat per month (PKR)",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text="An active seat is an officer who signed in during the month.",
    )
    included_storage_gb = forms.IntegerField(label="Included storage (GB)", min_value=0)
    extra_gb_price = forms.DecimalField(
        label="Price per extra GB per month (PKR)",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )
    confirm = forms.BooleanField(
        label="Create the plan with these prices (it is offered for approvals at once).",
        error_messages={"required": "Tick the box to confirm."},
    )
