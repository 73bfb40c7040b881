"""The CSV import of the org chart: check, then apply; and the tables' templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.requests import signed_in_user
from eoffice import org_chart_csv
from eoffice.org_forms import TABLE_LABELS, ImportForm
from eoffice.services import org_chart as services
from eoffice.services.audit import Origin
from eoffice.views.org_admin.common import admin_required, attempt, site


@admin_required
@require_http_methods(["GET", "POST"])
def import_chart(request: HttpRequest) -> HttpResponse:
    """Check, then apply, CSV tables in the org chart's CSV format (the sign-up survey's).
    Every problem is shown by line; nothing is applied while any remains."""
    form = ImportForm(request.POST or None, request.FILES or None)
    plan: services.ImportPlan | None = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "apply":
            plan = attempt(
                form,
                lambda: services.import_org_chart(
                    offices=form.tables["offices"],
                    posts=form.tables["posts"],
                    officers=form.tables["officers"],
                    channels=form.tables["channels"],
                    site=site(request),
                    actor=signed_in_user(request),
                    origin=Origin.of(request),
                ),
            )
            if plan is not None:
                _report_import(request, plan)
                return redirect("manage:index")
        else:
            plan = attempt(form, lambda: services.check_import(**form.tables))
    context = {
        "form": form,
        "plan": plan,
        "planned": [
            (TABLE_LABELS[name], plan.lines[name])
            for name in org_chart_csv.TABLES
            if plan is not None and plan.lines.get(name)
        ],
        "templates": [(name, TABLE_LABELS[name]) for name in org_chart_csv.TABLES],
    }
    return render(request, "eoffice/manage/import.html", context)


def _report_import(request: HttpRequest, plan: services.ImportPlan) -> None:
    if not plan.changes:
        messages.info(request, gettext("Nothing to change: every line is already in place."))
        return
    applied = ngettext(
        "Import applied: %(count)d change.", "Import applied: %(count)d changes.", plan.changes
    ) % {"count": plan.changes}
    kept = ngettext(
        "%(count)d line was already in place or kept as it is.",
        "%(count)d lines were already in place or kept as they are.",
        plan.unchanged,
    ) % {"count": plan.unchanged}
    messages.success(request, f"{applied} {kept}" if plan.unchanged else applied)
    if plan.new_accounts:
        invited = ngettext(
            "%(count)d new officer is invited by e-mail to set a password.",
            "%(count)d new officers are invited by e-mail to set a password.",
            len(plan.new_accounts),
        ) % {"count": len(plan.new_accounts)}
        messages.info(request, invited)


@admin_required
@require_GET
def import_template(request: HttpRequest, table: str) -> HttpResponse:
    """A CSV file with the table's columns and example rows, to fill in a spreadsheet."""
    spec = org_chart_csv.TABLES.get(table)
    if spec is None:
        raise Http404(gettext("There is no such table."))
    response = HttpResponse(spec.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-template.csv"'
    return response
