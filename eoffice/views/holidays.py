"""The Holidays page of the tenant administrator's screens: the calendar pendency counts
working days in; administrators add and withdraw holidays (each change on the History page)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import signed_in_user
from eoffice.errors import Invalid
from eoffice.models import Holiday
from eoffice.services import calendar
from eoffice.services.audit import Origin
from eoffice.views.org_admin import admin_required


@admin_required
@require_GET
def holidays(request: HttpRequest) -> HttpResponse:
    rows = Holiday.objects.order_by("-day")[:200]
    return render(request, "eoffice/manage/holidays.html", {"holidays": rows})


@admin_required
@require_POST
def holiday_add(request: HttpRequest) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("Give the holiday's date."))
        return redirect("manage:holidays")
    try:
        calendar.add_holiday(
            day=day,
            name=request.POST.get("name", ""),
            actor=signed_in_user(request),
            origin=Origin.of(request),
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Holiday added."))
    return redirect("manage:holidays")


@admin_required
@require_POST
def holiday_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calendar.withdraw_holiday(
            holiday_id=pk, actor=signed_in_user(request), origin=Origin.of(request)
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Holiday withdrawn."))
    return redirect("manage:holidays")
