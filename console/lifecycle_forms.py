"""The confirmations asked before a tenant is archived, deleted or restored."""

from typing import Any

from django import forms

from console.forms import LifecycleActionForm
from tenants.models import Tenant


class ArchiveForm(LifecycleActionForm):
    id_prefix = "archive"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the tenant's history with the archive's name.",
    )
    confirm = forms.BooleanField(
        label="I understand the e-office closes: its users can no longer sign in.",
        error_messages={"required": "Tick the box to confirm."},
    )


class DeleteForm(LifecycleActionForm):
    """Deleting also asks for the tenant's name, typed, so it is never a slip of the mouse."""

    id_prefix = "delete"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the tenant's history.",
    )
    typed_name = forms.CharField(
        label="Type the tenant's name to confirm",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    confirm = forms.BooleanField(
        label="I understand the schema and files are deleted; only the archive remains.",
        error_messages={"required": "Tick the box to confirm."},
    )

    def __init__(self, *args: Any, tenant: Tenant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tenant is not None:
            self.fields["typed_name"].help_text = f"Exactly: {tenant.name}"


class RestoreForm(LifecycleActionForm):
    id_prefix = "restore"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )
    confirm = forms.BooleanField(
        label="I understand the e-office serves its users again, as it was when archived.",
        error_messages={"required": "Tick the box to confirm."},
    )
