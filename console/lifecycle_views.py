"""Archive, delete and restore a tenant from its console page: confirmed, reasoned, audited.

Archiving runs on a worker; the tenant page's archive card polls itself (htmx) while it runs.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import signed_in_user
from console.access import federal_admin_required
from console.feedback import report_refusal
from console.lifecycle_forms import ArchiveForm, DeleteForm, RestoreForm
from provisioning.lifecycle_services import delete_tenant, restore_tenant, start_archive
from provisioning.selectors import archive_progress, archives_of
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant


def archive_context(tenant: Tenant) -> dict[str, Any]:
    """What templates/console/_archive_actions.html needs besides `t`: unbound forms, where the
    latest archive run stands, and the tenant's archives, newest first. The tenant page merges
    it into its context."""
    return {
        "archive_form": ArchiveForm(),
        "delete_form": DeleteForm(tenant=tenant),
        "restore_form": RestoreForm(tenant=tenant),
        "archive_run": archive_progress(tenant),
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
    start_archive(tenant=tenant, actor=actor, reason=data["reason"])
    return gettext(
        "Archiving %(name)s has begun: its e-office is read-only, then frozen while a worker "
        "exports it. Its progress is shown below."
    ) % {"name": tenant.name}


def _delete(tenant: Tenant, data: dict[str, Any], actor: str) -> str:
    delete_tenant(tenant=tenant, actor=actor, typed_name=data["typed_name"], reason=data["reason"])
    return gettext(
        "%(name)s is deleted: its schema and files are gone, its archive (read back and "
        "checked) kept."
    ) % {"name": tenant.name}


def _restore(tenant: Tenant, data: dict[str, Any], actor: str) -> str:
    restore_tenant(tenant=tenant, actor=actor, reason=data["reason"], archive=data["archive"])
    return gettext("%(name)s is restored into schema %(schema)s and active.") % {
        "name": tenant.name,
        "schema": tenant.schema_name,
    }


@require_POST
@federal_admin_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda _, data: ArchiveForm(data), _archive)


@require_GET
@federal_admin_required
def archive_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive card alone; it polls this while an archive runs."""
    tenant = get_object_or_404(Tenant, pk=pk)
    response = render(
        request, "console/_archive_actions.html", {"t": tenant, **archive_context(tenant)}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@federal_admin_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda tenant, data: DeleteForm(data, tenant=tenant), _delete)


@require_POST
@federal_admin_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda tenant, data: RestoreForm(data, tenant=tenant), _restore)


def _refused_form(request: HttpRequest, form: Form) -> bool:
    """Whether the form is invalid; if so its errors are shown as one message."""
    if form.is_valid():
        return False
    errors: list[str] = []
    for field, field_errors in form.errors.items():
        # The checkbox's own error ("Tick the box to confirm.") needs no label before it.
        label = "" if field in {"__all__", "confirm"} else f"{form[field].label}: "
        errors.extend(f"{label}{error}" for error in field_errors)
    messages.error(request, gettext("Nothing was done.") + " " + " ".join(errors))
    return True
