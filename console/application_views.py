"""Review of applications and the provisioning that follows an approval."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.requests import signed_in_user
from billing.selectors import plan_of
from console.access import federal_admin_required
from console.feedback import report_refusal
from console.forms import ApproveForm, RejectForm
from provisioning.pipeline import STEP_BY_NAME
from provisioning.selectors import provisioning_progress
from provisioning.services import approve_and_provision, retry_provisioning
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant
from tenants.notifications import reference
from tenants.selectors import applications_for_review, lifecycle_history
from tenants.services import reject_application

FILTERS = [
    ("applied", "Awaiting decision"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("", "All"),
]


@federal_admin_required
def application_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "applied")
    if state not in {value for value, _ in FILTERS}:
        state = "applied"
    applications = applications_for_review(state=None if state in {"", "approved"} else state)
    if state == "approved":
        applications = applications.exclude(tenant__state__in=["applied", "rejected"])
    context = {"applications": applications, "filters": FILTERS, "state": state}
    return render(request, "console/applications.html", context)


def _render_application(
    request: HttpRequest,
    tenant: Tenant,
    *,
    approve: ApproveForm | None = None,
    reject: RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    application = tenant.application
    context = {
        "t": tenant,
        "application": application,
        "reference": reference(application),
        "survey": application.survey,
        "history": lifecycle_history(tenant),
        "plan": plan_of(tenant),
        "approve_form": approve or ApproveForm(),
        "reject_form": reject or RejectForm(),
    }
    return render(request, "console/application_detail.html", context, status=status)


def _tenant_with_application(pk: int) -> Tenant:
    return get_object_or_404(
        Tenant.objects.select_related("application", "partner", "parent"),
        pk=pk,
        application__isnull=False,
    )


@federal_admin_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_application(request, _tenant_with_application(pk))


@require_POST
@federal_admin_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approves and starts provisioning (one service, one transaction); the applicant's e-mail
    and the pipeline's first step are queued as it commits."""
    tenant = _tenant_with_application(pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _render_application(request, tenant, approve=form, status=400)
    try:
        approve_and_provision(
            tenant=tenant,
            partner=form.cleaned_data["partner"],
            plan=form.cleaned_data["plan"],
            actor=signed_in_user(request).email,
            reason=form.cleaned_data["reason"],
        )
    except TransitionNotAllowed as refused:
        messages.error(request, str(refused))
        return redirect("console:application", pk=tenant.pk)
    messages.success(request, f"{tenant.name} is approved; its e-office is being provisioned.")
    return redirect("console:tenant", pk=tenant.pk)


@require_POST
@federal_admin_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant_with_application(pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_application(request, tenant, reject=form, status=400)
    try:
        reject_application(
            tenant=tenant, actor=signed_in_user(request).email, reason=form.cleaned_data["reason"]
        )
    except (TransitionNotAllowed, ValidationError) as refused:
        report_refusal(request, refused)
        return redirect("console:application", pk=tenant.pk)
    messages.success(request, f"The application of {tenant.name} is rejected.")
    return redirect("console:applications")


@federal_admin_required
def provisioning_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The live progress card; the tenant page polls it while provisioning runs. Each answer
    also carries the page's state badge and address (htmx out-of-band swaps), so the page
    ends on the open e-office's link without a reload."""
    tenant = get_object_or_404(Tenant.objects.prefetch_related("domains"), pk=pk)
    context = {"t": tenant, "progress": provisioning_progress(tenant), "oob": True}
    return render(request, "console/_provisioning.html", context)


@require_POST
@federal_admin_required
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=pk)
    try:
        step = retry_provisioning(tenant=tenant, actor=signed_in_user(request).email)
    except TransitionNotAllowed:
        messages.error(
            request,
            f"Provisioning of {tenant.name} is still running or has not failed; "
            "there is nothing to retry.",
        )
    else:
        label = STEP_BY_NAME[step].label.lower()
        messages.success(request, f"Provisioning of {tenant.name} resumes at: {label}.")
    return redirect("console:tenant", pk=tenant.pk)
