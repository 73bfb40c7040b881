from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.requests import signed_in_user
from billing.selectors import plan_of
from console.access import federal_admin_required
from console.billing_views import billing_panel_context
from console.feedback import report_refusal
from console.figure_forms import CollectDayForm
from console.forms import LifecycleActionForm, ResumeForm
from console.instance_health import health_of
from console.instance_list import instances
from console.instance_page import instance_page_context
from console.lifecycle_views import archive_context
from provisioning.lifecycle_services import resume_tenant, suspend_tenant
from provisioning.selectors import provisioning_progress
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Partner, SuspensionHold, Tenant
from tenants.selectors import (
    lifecycle_history,
    open_holds,
    partners_of_user,
    suspension_reason,
    tenants_for_console,
)
from tenants.tasks import refresh_all_rollups


def landing(request: HttpRequest) -> HttpResponse:
    """The control plane's front page; signed-in users go straight to their screen."""
    user = request.user
    if user.is_authenticated:
        if user.is_staff:
            return redirect("console:tenants")
        if partners_of_user(user).exists():
            return redirect("console:partner")
    return render(request, "console/landing.html")


@federal_admin_required
def tenant_list(request: HttpRequest) -> HttpResponse:
    """Every tenant, searched, filtered, sorted and paginated in SQL, with totals over all."""
    context = instance_page_context(request, instances(), scope="all")
    context["partners"] = Partner.objects.order_by("name")
    return render(request, "console/tenants.html", context)


def _render_detail(
    request: HttpRequest, pk: int, *, bound: LifecycleActionForm | None = None, status: int = 200
) -> HttpResponse:
    """The tenant's page; `bound` is a submitted action form to show again with its errors."""
    tenant = get_object_or_404(tenants_for_console(), pk=pk)
    context = {
        "t": tenant,
        "history": lifecycle_history(tenant),
        "plan": plan_of(tenant),
        "suspend_form": LifecycleActionForm(),
        "resume_form": ResumeForm(),
        "progress": provisioning_progress(tenant),
        "health": health_of(tenant),
        "collect_form": CollectDayForm(),
        **archive_context(tenant),
        **billing_panel_context(tenant),
    }
    holds = open_holds(tenant)
    context["holds"] = holds
    context["federal_hold"] = any(hold.kind == SuspensionHold.Kind.FEDERAL for hold in holds)
    if bound is not None:
        context["resume_form" if isinstance(bound, ResumeForm) else "suspend_form"] = bound
    return render(request, "console/tenant_detail.html", context, status=status)


@federal_admin_required
def tenant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@require_POST
@federal_admin_required
def change_tenant_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Suspends or resumes a tenant after a confirmed form; every refusal says why."""
    tenant = get_object_or_404(Tenant, pk=pk)
    form_class, service = LIFECYCLE_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(
                tenant=tenant,
                actor=signed_in_user(request).email,
                reason=form.cleaned_data["reason"],
            )
        except (TransitionNotAllowed, ValidationError) as refused:
            report_refusal(request, refused)
        else:
            if action == "resume" and tenant.state == Tenant.State.SUSPENDED:
                messages.warning(
                    request,
                    f"The federal suspension of {tenant.name} is lifted; it stays read-only: "
                    f"{suspension_reason(tenant)}.",
                )
            else:
                state = tenant.get_state_display().lower()
                messages.success(request, f"{tenant.name} is now {state}.")
        return redirect("console:tenant", pk=tenant.pk)
    return _render_detail(request, pk, bound=form, status=400)


LIFECYCLE_ACTIONS = {
    "suspend": (LifecycleActionForm, suspend_tenant),
    "resume": (ResumeForm, resume_tenant),
}


@require_POST
@federal_admin_required
def refresh_figures(request: HttpRequest) -> HttpResponse:
    refresh_all_rollups.delay()
    messages.success(
        request, "Each e-office is recounting its figures in the background; reload in a moment."
    )
    return redirect("console:tenants")
