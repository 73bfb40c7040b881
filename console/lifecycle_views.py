"""Archive, delete and restore a tenant from its console page: confirmed, reasoned, audited."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from console.access import federal_admin_required
from console.lifecycle_forms import ArchiveForm, DeleteForm, RestoreForm
from provisioning.lifecycle_services import archive_tenant, delete_tenant, restore_tenant
from provisioning.models import TenantArchive
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant


def archive_context(tenant: Tenant) -> dict[str, Any]:
    """What templates/console/_archive_actions.html needs besides `t`: unbound forms and the
    tenant's archives, newest first. The tenant page merges it into its context."""
    return {
        "archive_form": ArchiveForm(),
        "delete_form": DeleteForm(tenant=tenant),
        "restore_form": RestoreForm(),
        "archives": list(TenantArchive.objects.filter(tenant=tenant).order_by("-created_at")),
    }


@require_POST
@federal_admin_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=pk)
    form = ArchiveForm(request.POST)
    if _refused_form(request, form):
        return redirect("console:tenant", pk=tenant.pk)
    try:
        made = archive_tenant(
            tenant=tenant, actor=request.user.email, reason=form.cleaned_data["reason"]
        )
    except (TransitionNotAllowed, ValidationError) as refused:
        _refusal(request, refused)
    else:
        messages.success(
            request, f"{tenant.name} is archived ({made.storage_key}) and no longer serves."
        )
    return redirect("console:tenant", pk=tenant.pk)


@require_POST
@federal_admin_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=pk)
    form = DeleteForm(request.POST, tenant=tenant)
    if _refused_form(request, form):
        return redirect("console:tenant", pk=tenant.pk)
    try:
        delete_tenant(
            tenant=tenant,
            actor=request.user.email,
            typed_name=form.cleaned_data["typed_name"],
            reason=form.cleaned_data["reason"],
        )
    except (TransitionNotAllowed, ValidationError) as refused:
        _refusal(request, refused)
    else:
        messages.success(
            request, f"{tenant.name} is deleted: its schema and files are gone, its archive kept."
        )
    return redirect("console:tenant", pk=tenant.pk)


@require_POST
@federal_admin_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=pk)
    form = RestoreForm(request.POST)
    if _refused_form(request, form):
        return redirect("console:tenant", pk=tenant.pk)
    try:
        restore_tenant(tenant=tenant, actor=request.user.email, reason=form.cleaned_data["reason"])
    except (TransitionNotAllowed, ValidationError) as refused:
        _refusal(request, refused)
    else:
        messages.success(
            request, f"{tenant.name} is restored into schema {tenant.schema_name} and active."
        )
    return redirect("console:tenant", pk=tenant.pk)


def _refused_form(request: HttpRequest, form: Form) -> bool:
    """Whether the form is invalid; if so its errors are shown as one message."""
    if form.is_valid():
        return False
    errors = []
    for field, field_errors in form.errors.items():
        # The checkbox's own error ("Tick the box to confirm.") needs no label before it.
        label = "" if field in {"__all__", "confirm"} else f"{form[field].label}: "
        errors.extend(f"{label}{error}" for error in field_errors)
    messages.error(request, "Nothing was done. " + " ".join(errors))
    return True


def _refusal(request: HttpRequest, refused: Exception) -> None:
    messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
