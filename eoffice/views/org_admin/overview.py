"""The overview of Manage: the whole chart as the administrator manages it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from eoffice.selectors import org_chart as selectors
from eoffice.views.org_admin.common import admin_required, today


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Offices in a tree, their posts, and who holds or acts for each today."""
    on = today()
    context = {
        "offices": selectors.chart_for_admin(on),
        "figures": selectors.chart_figures(on),
        "today": on,
    }
    return render(request, "eoffice/manage/index.html", context)
