"""The History page of the tenant administrator's screens: every change made to the org chart
and to the registry's settings, newest first. Entries are never changed or removed."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from eoffice.models import OrgChange
from eoffice.selectors.org_changes import org_changes
from eoffice.views.org_admin import admin_required

PAGE_SIZE = 50


@admin_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    if action not in OrgChange.Action.values:
        action = ""  # an unknown kind shows every change rather than an error
    page = Paginator(org_changes(action=action), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "changes": page.object_list,
        "action": action,
        "actions": OrgChange.Action.choices,
        "query": f"action={action}" if action else "",
    }
    return render(request, "eoffice/manage/history.html", context)
