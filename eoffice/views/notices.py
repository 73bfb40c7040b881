"""An officer's notices: what they are told in their e-office, and marking it read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import signed_in_user
from eoffice.selectors import notices as selectors
from eoffice.services import notices as services


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The signed-in officer's own notices, newest first, 25 to a page; unread ones marked."""
    officer = signed_in_user(request)
    page = Paginator(selectors.notices_for(officer), 25).get_page(request.GET.get("page"))
    context = {"notices": page, "unread": selectors.unread_count(officer)}
    return render(request, "eoffice/notices.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_notices_read(officer=signed_in_user(request))
    return redirect("notices")
