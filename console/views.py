from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from console.access import federal_admin_required
from tenants.selectors import (
    partners_of_user,
    summarise,
    tenants_for_console,
    tenants_of_partner,
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
    tenants = list(tenants_for_console())
    context = {"tenants": tenants, "summary": summarise(tenants)}
    return render(request, "console/tenants.html", context)


@require_POST
@federal_admin_required
def refresh_figures(request: HttpRequest) -> HttpResponse:
    refresh_all_rollups.delay()
    messages.success(
        request, "Each e-office is recounting its figures in the background; reload in a moment."
    )
    return redirect("console:tenants")


@login_required
def partner_portal(request: HttpRequest) -> HttpResponse:
    partners = list(partners_of_user(request.user))
    if not partners:
        raise PermissionDenied("The partner portal is for partner vendors' staff.")
    sections = [(partner, list(tenants_of_partner(partner))) for partner in partners]
    return render(request, "console/partner.html", {"sections": sections})
