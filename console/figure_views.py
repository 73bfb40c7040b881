"""Federal administrators ask for daily figures on demand: one tenant's day, or the nightly
collection run now. Both only queue work: each tenant's day is read by a worker in its own
schema, so a slow tenant delays only itself."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.requests import signed_in_user
from billing.tasks.usage import collect_all_usage, collect_usage, recompute_usage
from console.access import federal_admin_required
from console.figure_forms import CollectDayForm
from tenants.models import Tenant


@require_POST
@federal_admin_required
def collect_day(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=pk)
    form = CollectDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors_text())
        return redirect("console:tenant", pk=tenant.pk)
    day = form.cleaned_data["day"]
    if form.cleaned_data["recompute"]:
        recompute_usage.delay(tenant.pk, day.isoformat(), signed_in_user(request).email)
        text = gettext(
            "The figures of %(tenant)s for %(day)s are being recomputed; the new revision "
            "appears in a moment and the change is in the billing events."
        )
    else:
        collect_usage.delay(tenant.pk, day.isoformat())
        text = gettext(
            "The figures of %(tenant)s for %(day)s are being collected; a day already "
            "collected stays as it is."
        )
    messages.success(request, text % {"tenant": tenant.name, "day": day.isoformat()})
    return redirect("console:tenant", pk=tenant.pk)


@require_POST
@federal_admin_required
def collect_all(request: HttpRequest) -> HttpResponse:
    collect_all_usage.delay()
    messages.success(
        request,
        gettext(
            "Every e-office's figures for yesterday, and any missing day of the last weeks, "
            "are being collected in the background."
        ),
    )
    return redirect("console:tenants")
