"""The confirmations asked before a tenant is archived, deleted or restored.

Each form's fields get ids of their own (`id_<form>_<field>`), as the tenant page shows several
of these forms at once and a label must focus its own box.
"""

from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_lazy

from console.forms import LifecycleActionForm
from provisioning.models import TenantArchive
from provisioning.selectors import archives_of
from tenants.models import Tenant


class ArchiveForm(LifecycleActionForm):
    id_prefix = "archive"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=gettext_lazy("Recorded in the tenant's history with the archive's name."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand the e-office closes: its users can no longer sign in."),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


class DeleteForm(LifecycleActionForm):
    """Deleting also asks for the tenant's name, typed, so it is never a slip of the mouse."""

    id_prefix = "delete"

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=gettext_lazy("Recorded in the tenant's history."),
    )
    typed_name = forms.CharField(
        label=gettext_lazy("Type the tenant's name to confirm"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand the schema and files are deleted; only the archive remains."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, tenant: Tenant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tenant is not None:
            self.fields["typed_name"].help_text = gettext("Exactly: %(name)s") % {
                "name": tenant.name
            }


class ArchiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        archive: TenantArchive = obj
        return gettext(
            "%(made)s UTC · schema %(schema)s · %(size)s · %(rows)s rows, %(files)s files · "
            "sha256 %(sha)s…"
        ) % {
            "made": f"{archive.created_at:%d %b %Y, %H:%M:%S}",
            "schema": archive.schema_name,
            "size": filesizeformat(archive.size_bytes),
            "rows": archive.rows,
            "files": archive.files,
            "sha": archive.sha256[:12],
        }


class RestoreForm(LifecycleActionForm):
    """Restoring names the archive to bring back: every one the tenant has, newest first."""

    id_prefix = "restore"

    archive = ArchiveChoiceField(
        queryset=TenantArchive.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        label=gettext_lazy("Archive to restore"),
        help_text=gettext_lazy(
            "Newest first. Its checksum is checked before anything is restored; should it not "
            "match, choose an older one."
        ),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand the e-office serves its users again, as it was when archived."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, tenant: Tenant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tenant is not None:
            archives = archives_of(tenant)
            field = cast(ArchiveChoiceField, self.fields["archive"])
            field.queryset = archives
            field.initial = archives.first()
