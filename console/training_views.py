"""Training: officers trained against officers active, per tenant; workshops recorded and
withdrawn.

Report viewers see it: federal administrators every tenant, partner staff the tenants their
partners operate (console.report_access; a tenant outside the scope is not found). Only federal
administrators record or withdraw a workshop.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import signed_in_user
from config.client_address import client_address
from console.report_access import ReportScope, report_viewer_required
from console.training_forms import WithdrawForm, WorkshopForm
from reports.models import Workshop
from reports.selectors import trained_counts, workshops_of
from reports.selectors.training import SORTS, training_in_use, training_overview
from reports.services import record_workshop, withdraw_workshop
from tenants.models import Tenant

PAGE_SIZE = 50


def _today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


@require_GET
@report_viewer_required
def training(request: HttpRequest, scope: ReportScope) -> HttpResponse:
    """Per tenant of the scope: officer accounts, officers active in its latest month,
    officers trained, how the two compare, workshops held and the last one's date. Sortable,
    searchable by name, 50 a page; a fixed number of queries whatever the number of tenants."""
    search = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    tenants = training_overview(until=_today(), tenant_ids=scope.ids, search=search, sort=sort)
    page = Paginator(tenants, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(tenant, training_in_use(tenant.trained, tenant.officers_active)) for tenant in page]
    context = {"page": page, "rows": rows, "search": search, "sort": sort, "scope": scope}
    return render(request, "console/training/list.html", context)


def _tenant_in_scope(scope: ReportScope, pk: int) -> Tenant:
    tenant = get_object_or_404(Tenant, pk=pk)
    if scope.tenant_ids is not None and tenant.pk not in scope.tenant_ids:
        raise Http404("No such tenant.")
    return tenant


def _tenant_page(
    request: HttpRequest,
    scope: ReportScope,
    tenant: Tenant,
    *,
    form: WorkshopForm | None = None,
    withdraw: tuple[int, WithdrawForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    workshops = list(workshops_of(tenant_ids=[tenant.pk]))
    can_write = scope.is_federal
    withdraw_forms: dict[int, WithdrawForm] = {}
    if can_write:
        withdraw_forms = {
            w.pk: WithdrawForm(workshop_id=w.pk) for w in workshops if w.withdrawn_at is None
        }
        if withdraw is not None:
            withdraw_forms[withdraw[0]] = withdraw[1]
    context = {
        "t": tenant,
        "workshops": [(w, withdraw_forms.get(w.pk)) for w in workshops],
        "open_withdraw": withdraw[0] if withdraw else None,
        "trained": trained_counts([tenant.pk], _today())[tenant.pk],
        "can_write": can_write,
        "form": (form or WorkshopForm(initial={"date": _today()})) if can_write else None,
    }
    return render(request, "console/training/tenant.html", context, status=status)


@require_GET
@report_viewer_required
def training_tenant(request: HttpRequest, scope: ReportScope, pk: int) -> HttpResponse:
    """The tenant's workshops, withdrawn ones marked; for federal administrators, the forms
    to record and withdraw them."""
    return _tenant_page(request, scope, _tenant_in_scope(scope, pk))


def _federal(scope: ReportScope) -> None:
    if not scope.is_federal:
        raise PermissionDenied("Only federal administrators record or withdraw workshops.")


@require_POST
@report_viewer_required
def record(request: HttpRequest, scope: ReportScope, pk: int) -> HttpResponse:
    """Records a workshop for the tenant (audited, officers trained recounted by the
    service); a refused form comes back with what was typed (400)."""
    _federal(scope)
    tenant = _tenant_in_scope(scope, pk)
    form = WorkshopForm(request.POST)
    if not form.is_valid():
        return _tenant_page(request, scope, tenant, form=form, status=400)
    data = form.cleaned_data
    try:
        workshop = record_workshop(
            tenant=tenant,
            date=data["date"],
            place=data["place"],
            trainer=data["trainer"],
            actor=signed_in_user(request).email,
            attendee_count=data["attendee_count"],
            attendees=data["attendees"],
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error(None, refused)
        return _tenant_page(request, scope, tenant, form=form, status=400)
    messages.success(
        request,
        gettext("The workshop of %(date)s at %(place)s is recorded.")
        % {"date": f"{workshop.date:%d %B %Y}", "place": workshop.place},
    )
    return redirect("console:training_tenant", pk=tenant.pk)


@require_POST
@report_viewer_required
def withdraw(request: HttpRequest, scope: ReportScope, pk: int, workshop_id: int) -> HttpResponse:
    """Withdraws a workshop after a confirmation and a reason (audited; the row stays,
    marked withdrawn, and officers trained are recounted by the service)."""
    _federal(scope)
    tenant = _tenant_in_scope(scope, pk)
    workshop = get_object_or_404(Workshop, pk=workshop_id, tenant=tenant)
    form = WithdrawForm(request.POST, workshop_id=workshop.pk)
    if not form.is_valid():
        return _tenant_page(request, scope, tenant, withdraw=(workshop.pk, form), status=400)
    try:
        withdraw_workshop(
            workshop=workshop,
            actor=signed_in_user(request).email,
            reason=form.cleaned_data["reason"],
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error(None, refused)
        return _tenant_page(request, scope, tenant, withdraw=(workshop.pk, form), status=400)
    messages.success(
        request,
        gettext("The workshop of %(date)s is withdrawn; officers trained are recounted.")
        % {"date": f"{workshop.date:%d %B %Y}"},
    )
    return redirect("console:training_tenant", pk=tenant.pk)
