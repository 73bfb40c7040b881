from django import forms


class LifecycleActionForm(forms.Form):
    """A disruptive action on a tenant: why, and an explicit confirmation."""

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
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )
