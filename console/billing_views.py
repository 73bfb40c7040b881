"""The federal administrators' billing screens: revenue, outstanding and overdue invoices,
tenants in grace or read-only for non-payment, plans and prices, the billing audit trail, and
CSV exports. Every action goes through one billing service, which audits it."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import signed_in_user
from billing.invoice_pdf import render_invoice_pdf
from billing.models import Invoice, Plan
from billing.money import format_money, minor_per_unit, to_minor
from billing.selectors.dunning import grace_notice_of_invoice, tenants_in_grace
from billing.selectors.events import billing_events
from billing.selectors.invoices import (
    invoice_events,
    lines_of,
    outstanding_invoices,
    revenue_by_partner_and_month,
)
from billing.selectors.plans import plans_with_prices
from billing.selectors.terms import term_on, terms_of
from billing.services.dunning import grant_extension
from billing.services.exports import record_export
from billing.services.plans import create_plan, update_plan
from billing.services.prices import first_of_month_after, set_price
from billing.services.terms import change_partner, change_plan
from config.client_address import client_address
from console.access import federal_admin_required
from console.billing_forms import (
    ChangePartnerForm,
    ChangePlanForm,
    ExtensionForm,
    NewPlanForm,
    PlanForm,
    PriceForm,
)
from console.feedback import report_refusal
from console.forms import OwnIds
from tenants.models import Tenant
from tenants.selectors import open_billing_holds

# A partner's name is typed by people: one starting like this would be run as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")


def _suspended_for_non_payment() -> list[tuple[Tenant, str]]:
    """Each tenant a billing hold keeps read-only, with the invoices it is held for."""
    reasons: dict[int, list[str]] = {}
    tenants: dict[int, Tenant] = {}
    for hold in open_billing_holds().order_by("tenant__name", "placed_at"):
        tenants[hold.tenant_id] = hold.tenant
        reasons.setdefault(hold.tenant_id, []).append(hold.reason)
    return [(tenants[pk], "; ".join(found)) for pk, found in reasons.items()]


@require_GET
@federal_admin_required
def overview(request: HttpRequest) -> HttpResponse:
    """Revenue by partner and month, what is outstanding or overdue, and who is in grace or
    read-only for an unpaid invoice."""
    today = timezone.localdate()
    outstanding = list(outstanding_invoices())
    overdue = [
        i
        for i in outstanding
        if i.state == Invoice.State.OVERDUE or (i.due_on and i.due_on < today)
    ]
    context = {
        "revenue": revenue_by_partner_and_month(),
        "outstanding": outstanding,
        "overdue_ids": {i.pk for i in overdue},
        "outstanding_totals": _totals(outstanding),
        "overdue_totals": _totals(overdue),
        "in_grace": tenants_in_grace(),
        "suspended": _suspended_for_non_payment(),
        "today": today,
    }
    return render(request, "console/billing/overview.html", context)


def _totals(invoices: Iterable[Invoice]) -> list[str]:
    """Sums per currency, formatted ('Rs 1,200.00'); one entry per currency."""
    sums: dict[str, int] = {}
    for invoice in invoices:
        sums[invoice.currency] = sums.get(invoice.currency, 0) + invoice.total_minor
    return [format_money(amount, currency) for currency, amount in sorted(sums.items())]


@require_GET
@federal_admin_required
def events(request: HttpRequest) -> HttpResponse:
    """The billing audit trail, newest first (the latest 200, filtered by action)."""
    action = request.GET.get("action", "")
    found = billing_events(action=action or None)
    context = {
        "events": list(found[:200]),
        "action": action,
        "actions": sorted(set(billing_events().values_list("action", flat=True))),
    }
    return render(request, "console/billing/events.html", context)


def _major(amount_minor: int, currency: str) -> str:
    """An amount for a spreadsheet: major units with the currency's decimals, no symbol."""
    unit = minor_per_unit(currency)
    return f"{Decimal(amount_minor) / unit:.2f}" if unit != 1 else str(amount_minor)


def _cell(value: object) -> object:
    """A value a spreadsheet will not run: text that starts like a formula is quoted (an
    amount such as -12.00 stays a number)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return response


@require_GET
@federal_admin_required
def revenue_csv(request: HttpRequest) -> HttpResponse:
    """Revenue by partner and month as CSV; the export is audited."""
    rows = revenue_by_partner_and_month()
    record_export(
        actor=signed_in_user(request).email,
        what="revenue",
        rows=len(rows),
        ip_address=client_address(request),
    )
    return _csv(
        f"revenue-{timezone.localdate():%Y-%m-%d}.csv",
        ["month", "partner", "currency", "invoices", "invoiced", "paid", "outstanding", "overdue"],
        (
            [
                f"{r.month:%Y-%m}",
                r.partner_name,
                r.currency.upper(),
                r.invoices,
                _major(r.invoiced_minor, r.currency),
                _major(r.paid_minor, r.currency),
                _major(r.outstanding_minor, r.currency),
                _major(r.overdue_minor, r.currency),
            ]
            for r in rows
        ),
    )


@require_GET
@federal_admin_required
def outstanding_csv(request: HttpRequest) -> HttpResponse:
    """Every outstanding invoice as CSV; the export is audited."""
    invoices = list(outstanding_invoices())
    record_export(
        actor=signed_in_user(request).email,
        what="outstanding",
        rows=len(invoices),
        ip_address=client_address(request),
    )
    today = timezone.localdate()
    return _csv(
        f"outstanding-{today:%Y-%m-%d}.csv",
        ["number", "partner", "month", "state", "currency", "total", "due_on", "overdue"],
        (
            [
                i.number,
                i.partner.name,
                f"{i.period_start:%Y-%m}",
                i.state,
                i.currency.upper(),
                _major(i.total_minor, i.currency),
                i.due_on.isoformat() if i.due_on else "",
                "yes"
                if i.state == Invoice.State.OVERDUE or (i.due_on and i.due_on < today)
                else "no",
            ]
            for i in invoices
        ),
    )


def _plan_form(plan: Plan, data: Any = None) -> PlanForm:
    return PlanForm(
        data,
        auto_id=f"plan{plan.pk}_%s",
        initial={
            "name": plan.name,
            "description": plan.description,
            "is_active": plan.is_active,
            "grace_days": plan.grace_days,
        },
    )


def _plans_page(
    request: HttpRequest,
    *,
    form: PriceForm | None = None,
    new_plan_form: NewPlanForm | None = None,
    bound_plan: tuple[int, PlanForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    plans = list(plans_with_prices())
    edit_forms = {plan.pk: _plan_form(plan) for plan in plans}
    if bound_plan is not None:
        edit_forms[bound_plan[0]] = bound_plan[1]
    context = {
        "section": "plans",
        "plans": [(plan, edit_forms[plan.pk]) for plan in plans],
        "open_plan": bound_plan[0] if bound_plan else None,
        "form": form
        or PriceForm(initial={"effective_from": first_of_month_after(timezone.localdate())}),
        "new_plan_form": new_plan_form or NewPlanForm(),
    }
    return render(request, "console/billing/plans.html", context, status=status)


@require_POST
@federal_admin_required
def new_plan(request: HttpRequest) -> HttpResponse:
    """Creates a plan after a confirmation; audited."""
    form = NewPlanForm(request.POST)
    if not form.is_valid():
        return _plans_page(request, new_plan_form=form, status=400)
    data = form.cleaned_data
    try:
        plan = create_plan(
            code=data["code"],
            name=data["name"],
            officer_limit=data["officer_limit"],
            description=data["description"],
            grace_days=data["grace_days"],
            prices_from=data["prices_from"],
            seat_price_minor=to_minor(data["seat_price"], "pkr"),
            included_storage_gb=data["included_storage_gb"],
            extra_gb_price_minor=to_minor(data["extra_gb_price"], "pkr"),
            actor=signed_in_user(request).email,
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error(None, refused)
        return _plans_page(request, new_plan_form=form, status=400)
    messages.success(request, f"{plan.name} is created with its prices.")
    return redirect("console:billing_plans")


@require_POST
@federal_admin_required
def edit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes a plan's name, offer or grace period after a confirmation; audited."""
    plan = get_object_or_404(Plan, pk=pk)
    form = _plan_form(plan, request.POST)
    if not form.is_valid():
        return _plans_page(request, bound_plan=(plan.pk, form), status=400)
    data = form.cleaned_data
    update_plan(
        plan=plan,
        name=data["name"],
        description=data["description"],
        is_active=data["is_active"],
        grace_days=data["grace_days"],
        actor=signed_in_user(request).email,
        ip_address=client_address(request),
    )
    messages.success(request, f"{data['name']} is saved.")
    return redirect("console:billing_plans")


@require_GET
@federal_admin_required
def plans(request: HttpRequest) -> HttpResponse:
    """Every plan with its prices over time, and the form for a new price."""
    return _plans_page(request)


@require_POST
@federal_admin_required
def new_price(request: HttpRequest) -> HttpResponse:
    """Records a plan's new prices from a day on, after a confirmation; audited."""
    form = PriceForm(request.POST)
    if not form.is_valid():
        return _plans_page(request, form=form, status=400)
    data = form.cleaned_data
    plan: Plan = data["plan"]
    try:
        set_price(
            plan=plan,
            effective_from=data["effective_from"],
            seat_price_minor=to_minor(data["seat_price"], plan.currency),
            included_storage_gb=data["included_storage_gb"],
            extra_gb_price_minor=to_minor(data["extra_gb_price"], plan.currency),
            actor=signed_in_user(request).email,
            reason=data["reason"],
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error("effective_from", refused)
        return _plans_page(request, form=form, status=400)
    messages.success(
        request, f"{plan.name} is billed at the new prices from {data['effective_from']:%d %B %Y}."
    )
    return redirect("console:billing_plans")


def _extension_page(
    request: HttpRequest, invoice: Invoice, *, form: ExtensionForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "invoice": invoice,
        "notice": grace_notice_of_invoice(invoice),
        "form": form or ExtensionForm(),
    }
    return render(request, "console/billing/extension.html", context, status=status)


@require_http_methods(["GET", "POST"])
@federal_admin_required
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    """Grants more time to pay an unpaid invoice, after a confirmation; audited."""
    invoice = get_object_or_404(Invoice.objects.select_related("partner"), pk=pk)
    if request.method == "GET":
        return _extension_page(request, invoice)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _extension_page(request, invoice, form=form, status=400)
    try:
        grant_extension(
            invoice=invoice,
            until=form.cleaned_data["until"],
            actor=signed_in_user(request).email,
            reason=form.cleaned_data["reason"],
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error("until", refused)
        return _extension_page(request, invoice, form=form, status=400)
    messages.success(
        request, f"{invoice.number}: grace extended to {form.cleaned_data['until']:%d %B %Y}."
    )
    return redirect("console:billing")


def billing_panel_context(tenant: Tenant) -> dict[str, Any]:
    """What templates/console/_billing_panel.html needs besides `t`: the tenant's terms
    (newest first) and unbound forms to change its plan or partner, dated today."""
    today = timezone.localdate()
    current = term_on(tenant, today)
    return {
        "terms": list(terms_of(tenant).order_by("-effective_from", "-id")[:12]),
        "term_now": current,
        "plan_form": ChangePlanForm(
            initial={"effective_from": today, "plan": current.plan_id if current else None}
        ),
        "partner_form": ChangePartnerForm(
            initial={"effective_from": today, "partner": tenant.partner_id}
        ),
    }


def _change_term(request: HttpRequest, pk: int, form: OwnIds, what: str) -> HttpResponse:
    """Runs a confirmed change of plan or partner and returns to the tenant's page."""
    tenant = get_object_or_404(Tenant, pk=pk)
    if not form.is_valid():
        errors = [
            str(error) if field in {"__all__", "confirm"} else f"{form[field].label}: {error}"
            for field, field_errors in form.errors.items()
            for error in field_errors
        ]
        messages.error(request, "Nothing was done. " + " ".join(errors))
        return redirect("console:tenant", pk=tenant.pk)
    data = form.cleaned_data
    common = {
        "tenant": tenant,
        "effective_from": data["effective_from"],
        "actor": signed_in_user(request).email,
        "reason": data["reason"],
        "ip_address": client_address(request),
    }
    try:
        if what == "plan":
            change_plan(plan=data["plan"], **common)
            done = f"{tenant.name} is billed on {data['plan'].name}"
        else:
            change_partner(partner=data["partner"], **common)
            done = f"{tenant.name} is billed to {data['partner'].name}"
    except ValidationError as refused:
        report_refusal(request, refused)
    else:
        messages.success(request, f"{done} from {data['effective_from']:%d %B %Y}.")
    return redirect("console:tenant", pk=tenant.pk)


@require_POST
@federal_admin_required
def change_tenant_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_term(request, pk, ChangePlanForm(request.POST), "plan")


@require_POST
@federal_admin_required
def change_tenant_partner(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_term(request, pk, ChangePartnerForm(request.POST), "partner")


@require_GET
@federal_admin_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Any partner's invoice (drafts included) with its lines and its full audit trail."""
    invoice = get_object_or_404(
        Invoice.objects.select_related("partner", "replaces").prefetch_related(
            "lines__tenant", "lines__plan", "lines__price"
        ),
        pk=pk,
    )
    context = {
        "invoice": invoice,
        "lines": list(lines_of(invoice)),
        "replaced_by": getattr(invoice, "replaced_by", None),
        "events": list(invoice_events(invoice)),
        "notice": grace_notice_of_invoice(invoice),
        "show_addresses": True,
    }
    return render(request, "console/billing/invoice_detail.html", context)


@require_GET
@federal_admin_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("partner"), pk=pk)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    name = invoice.number or f"draft-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
