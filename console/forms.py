from typing import Any, cast

from django import forms

from billing.models import Plan
from billing.selectors import plans_on_offer
from tenants.models import Partner


class OwnIds(forms.Form):
    """Field ids prefixed with the form's own name (`approve_reason`, `reject_reason`), so the
    several forms of one console page never share an id and each label focuses its own box."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        prefix = self.id_prefix or type(self).__name__.removesuffix("Form").lower()
        kwargs.setdefault("auto_id", f"{prefix}_%s")
        super().__init__(*args, **kwargs)


class LifecycleActionForm(OwnIds):
    """A disruptive action on a tenant: why, and an explicit confirmation."""

    id_prefix = "suspend"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the tenant's history; a suspension's reason is shown to its users.",
    )
    confirm = forms.BooleanField(
        label="I understand what this does to the tenant's users.",
        error_messages={"required": "Tick the box to confirm."},
    )


class ResumeForm(LifecycleActionForm):
    id_prefix = "resume"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )


class ApproveForm(OwnIds):
    """Approval of an application: who operates the instance, and on which plan."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(),
        empty_label="Choose the partner vendor",
        help_text="The IT vendor that runs this e-office and is billed for it.",
    )
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), empty_label="Choose a plan")
    reason = forms.CharField(
        label="Note to the applicant",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["plan"]).queryset = plans_on_offer()


class RejectForm(LifecycleActionForm):
    id_prefix = "reject"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Sent to the applicant and kept with the application.",
    )
    confirm = forms.BooleanField(
        label="Reject this application and tell the applicant.",
        error_messages={"required": "Tick the box to confirm."},
    )
