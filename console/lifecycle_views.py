"""Archive, delete and restore a tenant from its console page: confirmed, reasoned, audited."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.requests import signed_in_user
from console.access import federal_admin_required
from console.feedback import report_refusal
from console.lifecycle_forms import ArchiveForm, DeleteForm, RestoreForm
from provisioning.lifecycle_services import archive_tenant, delete_tenant, restore_tenant
from provisioning.selectors import archives_of
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant


def archive_context(tenant: Tenant) -> dict[str, Any]:
    """What templates/console/_archive_actions.html needs besides `t`: unbound forms and the
    tenant's archives, newest first. The tenant page merges it into its context."""
    return {
        "archive_form": ArchiveForm(),
        "delete_form": DeleteForm(tenant=tenant),
        "restore_form": RestoreForm(),
        "archives": list(archives_of(tenant)),
    }


def _act(
    request: HttpRequest,
    pk: int,
    make_form: Callable[[Tenant, Any], Form],
    act: Callable[[Tenant, dict[str, Any], str], str],
) -> HttpResponse:
    """Runs a confirmed action on a tenant and returns to its page with what happened."""
    tenant = get_object_or_404(Tenant, pk=pk)
    form = make_form(tenant, request.POST)
    if not _refused_form(request, form):
        try:
            messages.success(request, act(tenant, form.cleaned_data, signed_in_user(request).email))
        except (TransitionNotAllowed, ValidationError) as refused:
            report_refusal(request, refused)
    return redirect("console:tenant", pk=tenant.pk)


def _archive(tenant: Tenant, data: dict[str, Any], actor: str) -> str:
    made = archive_tenant(tenant=tenant, actor=actor, reason=data["reason"])
    return f"{tenant.name} is archived ({made.storage_key}) and no longer serves."


def _delete(tenant: Tenant, data: dict[str, Any], actor: str) -> str:
    delete_tenant(tenant=tenant, actor=actor, typed_name=data["typed_name"], reason=data["reason"])
    return f"{tenant.name} is deleted: its schema and files are gone, its archive kept."


def _restore(tenant: Tenant, data: dict[str, Any], actor: str) -> str:
    restore_tenant(tenant=tenant, actor=actor, reason=data["reason"])
    return f"{tenant.name} is restored into schema {tenant.schema_name} and active."


@require_POST
@federal_admin_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda _, data: ArchiveForm(data), _archive)


@require_POST
@federal_admin_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda tenant, data: DeleteForm(data, tenant=tenant), _delete)


@require_POST
@federal_admin_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda _, data: RestoreForm(data), _restore)


def _refused_form(request: HttpRequest, form: Form) -> bool:
    """Whether the form is invalid; if so its errors are shown as one message."""
    if form.is_valid():
        return False
    errors: list[str] = []
    for field, field_errors in form.errors.items():
        # The checkbox's own error ("Tick the box to confirm.") needs no label before it.
        label = "" if field in {"__all__", "confirm"} else f"{form[field].label}: "
        errors.extend(f"{label}{error}" for error in field_errors)
    messages.error(request, "Nothing was done. " + " ".join(errors))
    return True
