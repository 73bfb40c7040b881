"""The Implementation figures page of the tenant administrator's screens: what the platform
published about this e-office each month (read only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from eoffice.selectors.reported import reported_months
from eoffice.views.org_admin import admin_required


@admin_required
@require_GET
def implementation_figures(request: HttpRequest) -> HttpResponse:
    return render(request, "eoffice/manage/figures.html", {"months": reported_months()})
