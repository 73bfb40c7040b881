"""The inbox and the other trays of an officer's posts: with me, sent, parked and closed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from eoffice.forms import TrayFilterForm
from eoffice.selectors.trays import TRAYS, TrayFilter, sent_items, tray_counts, tray_rows
from eoffice.views.common import desk_for, is_htmx

PAGE_SIZE = 25


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    desk = desk_for(request)
    tray = request.GET.get("tray", "inbox")
    tray = tray if tray in TRAYS else "inbox"
    form = TrayFilterForm(request.GET, desk=desk)
    tray_filter = TrayFilter()
    if form.is_valid():
        data = form.cleaned_data
        tray_filter = TrayFilter(
            post_id=data.get("post") or None,
            kind=data.get("kind") or "",
            priority=data.get("priority"),
            overdue=bool(data.get("overdue")),
            query=data.get("q") or "",
            sort=data.get("sort") or "newest",
        )
    rows = sent_items(desk, tray_filter) if tray == "sent" else tray_rows(desk, tray, tray_filter)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "desk": desk,
        "tray": tray,
        "form": form,
        "page": page,
        "counts": tray_counts(desk, tray_filter.post_id),
        "query": query.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("post", "kind", "priority", "overdue", "q")),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "tray":
        return render(request, "eoffice/_tray.html", context)
    return render(request, "eoffice/inbox.html", context)
