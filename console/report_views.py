"""The federal implementation status report page: one month, every tenant in the viewer's
scope, ranked, with its groups, trend, charts and the definition of every figure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.report_access import ReportScope, report_viewer_required
from console.report_context import report_context
from console.report_month import BadMonth, next_month, parse_month, previous_month, this_month


def _page_number(value: str | None) -> int:
    """The page asked for; anything but a whole number is the first (the selector brings a
    number past the last back to the last)."""
    try:
        return int(value or 1)
    except ValueError:
        return 1


@require_GET
@report_viewer_required
def report(request: HttpRequest, scope: ReportScope) -> HttpResponse:
    asked = request.GET.get("month", "")
    base = {"scope": scope, "latest_month": this_month(), "month_value": asked}
    try:
        month = parse_month(asked)
    except BadMonth as refusal:
        context = {**base, "error": str(refusal)}
        return render(request, "console/report/page.html", context, status=400)
    context = {
        **base,
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "previous_month": previous_month(month),
        "next_month": next_month(month),
        **report_context(scope, month, _page_number(request.GET.get("page"))),
    }
    return render(request, "console/report/page.html", context)
