"""The month's implementation report downloaded as CSV, Excel or PDF.

Each export takes its tenants from the signed-in user's scope (console.report_access), so a
partner's file holds only the tenants it operates, and its totals, groups and charts only
theirs. A month the report does not have answers 400 with the reason, in plain text.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from console.report_access import ReportScope, report_viewer_required
from console.report_exports import render_csv, render_xlsx
from console.report_month import BadMonth, parse_month
from console.report_pdf import render_pdf
from reports.selectors import Trend, report, trend

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TREND_MONTHS = 12


def _download(content: bytes, content_type: str, month: datetime.date, ext: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="report-{month:%Y-%m}.{ext}"'
    response["Cache-Control"] = "no-store"
    return response


def _bad_month(error: BadMonth) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def _months(month: datetime.date, scope: ReportScope) -> Trend:
    # series_of=[]: the exports show totals over time, not each tenant's sparkline.
    return trend(TREND_MONTHS, tenant_ids=scope.ids, until=month, series_of=[])


@require_GET
@report_viewer_required
def report_csv(request: HttpRequest, scope: ReportScope, month: str) -> HttpResponse:
    """One row per tenant of the scope, ranked; for machines (no totals row)."""
    try:
        first = parse_month(month)
    except BadMonth as error:
        return _bad_month(error)
    content = render_csv(report(first, tenant_ids=scope.ids))
    return _download(content, "text/csv; charset=utf-8", first, "csv")


@require_GET
@report_viewer_required
def report_xlsx(request: HttpRequest, scope: ReportScope, month: str) -> HttpResponse:
    try:
        first = parse_month(month)
    except BadMonth as error:
        return _bad_month(error)
    content = render_xlsx(report(first, tenant_ids=scope.ids), _months(first, scope), scope)
    return _download(content, XLSX, first, "xlsx")


@require_GET
@report_viewer_required
def report_pdf(request: HttpRequest, scope: ReportScope, month: str) -> HttpResponse:
    try:
        first = parse_month(month)
    except BadMonth as error:
        return _bad_month(error)
    content = render_pdf(report(first, tenant_ids=scope.ids), _months(first, scope), scope)
    return _download(content, "application/pdf", first, "pdf")
