"""The tenant administrator's settings of the registry: the file numbering pattern and the
categories of receipts and files."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.requests import signed_in_user
from eoffice.errors import Invalid
from eoffice.selectors.org_chart import categories_for_admin
from eoffice.services import categories, numbering
from eoffice.services.audit import Origin
from eoffice.views.org_admin import admin_required


def _example(pattern: str) -> str:
    values = {
        "office": "ADMIN",
        "category": "GEN",
        "serial": "17",
        "year": str(timezone.localdate().year),
    }
    try:
        return numbering.check_pattern(pattern).format(**values)
    except (Invalid, KeyError, ValueError, IndexError):
        return ""


@admin_required
@require_http_methods(["GET", "POST"])
def registry_settings(request: HttpRequest) -> HttpResponse:
    pattern = numbering.current_pattern()
    pattern_error = ""
    if request.method == "POST":
        proposed = request.POST.get("pattern", "")
        try:
            numbering.set_pattern(
                pattern=proposed, actor=signed_in_user(request), origin=Origin.of(request)
            )
        except Invalid as error:
            pattern_error, pattern = str(error), proposed
        else:
            messages.success(
                request,
                _("New files will be numbered like %(example)s.") % {"example": _example(proposed)},
            )
            return redirect("manage:settings")
    context = {
        "pattern": pattern,
        "pattern_error": pattern_error,
        "example": _example(pattern),
        "tokens": numbering.TOKENS,
        "categories": categories_for_admin(),
    }
    return render(request, "eoffice/manage/settings.html", context)


@admin_required
@require_POST
def category_add(request: HttpRequest) -> HttpResponse:
    try:
        category = categories.add_category(
            code=request.POST.get("code", ""),
            name=request.POST.get("name", ""),
            actor=signed_in_user(request),
            origin=Origin.of(request),
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
    return redirect("manage:settings")


@admin_required
@require_POST
def category_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        category = categories.set_category_active(
            category_id=pk, active=active, actor=signed_in_user(request), origin=Origin.of(request)
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        message = (
            _("“%(name)s” is offered again.")
            if active
            else _("“%(name)s” is no longer offered; items that have it keep it.")
        )
        messages.success(request, message % {"name": category.name})
    return redirect("manage:settings")
