"""The federal billing screens: revenue, arrears, grace, prices, extensions, exports, audit."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from billing.models import BillingEvent, Plan, PlanPrice
from billing.selectors.dunning import (
    grace_notice_for_tenant,
    grace_notices_for_partner,
    tenants_in_grace,
)
from billing.selectors.plans import plan_of
from billing.selectors.terms import terms_for_period, terms_of
from tenants.models import Partner
from tests.conftest import World, signed_in_client
from tests.console.billing_data import make_ledger, staff

pytestmark = pytest.mark.django_db


def test_the_overview_shows_revenue_arrears_and_tenants_in_grace(world: World) -> None:
    make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    html = client.get("/console/billing/").content.decode()

    assert "INV-2026-000902" in html and "INV-2026-000903" in html  # outstanding, both partners
    assert "Test Partner IT" in html and "Other Vendor" in html
    assert "October 2026" in html and "September 2026" in html  # revenue by month
    assert world.punjab.tenant.name in html  # in grace: its invoice's payment failed
    assert "Grant an extension" in html


@pytest.mark.parametrize(
    "path",
    [
        "/console/billing/",
        "/console/billing/plans/",
        "/console/billing/events/",
        "/console/billing/revenue.csv",
        "/console/billing/outstanding.csv",
    ],
)
def test_partner_staff_cannot_open_the_federal_billing_screens(world: World, path: str) -> None:
    client = signed_in_client(world.control_host, world.partner_user_email)

    assert client.get(path).status_code == 403


def test_csv_exports_carry_the_figures_and_are_audited(world: World) -> None:
    make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    revenue = client.get("/console/billing/revenue.csv", REMOTE_ADDR="203.0.113.9")
    outstanding = client.get("/console/billing/outstanding.csv")

    rows = list(csv.reader(io.StringIO(revenue.content.decode())))
    assert rows[0] == [
        "month",
        "partner",
        "currency",
        "invoices",
        "invoiced",
        "paid",
        "outstanding",
        "overdue",
    ]
    assert ["2026-09", "Test Partner IT", "PKR", "1", "3600.00", "3600.00", "0.00", "0.00"] in rows
    assert ["2026-10", "Test Partner IT", "PKR", "1", "3600.00", "0.00", "3600.00", "0.00"] in rows
    owed = list(csv.reader(io.StringIO(outstanding.content.decode())))
    assert {"INV-2026-000902", "INV-2026-000903"} <= {row[0] for row in owed[1:]}
    assert "INV-2026-000901" not in {row[0] for row in owed[1:]}  # paid
    exports = list(
        BillingEvent.objects.filter(action="export_csv", actor=world.federal_admin_email).order_by(
            "-id"
        )[:2]
    )[::-1]
    assert [e.detail["export"] for e in exports] == ["revenue", "outstanding"]
    assert exports[0].actor == world.federal_admin_email
    assert exports[0].ip_address == "203.0.113.9"


def _price_form(ledger_plan_pk: int, effective_from: datetime.date, **extra: str) -> dict[str, str]:
    return {
        "plan": str(ledger_plan_pk),
        "effective_from": effective_from.isoformat(),
        "seat_price": "1500.00",
        "included_storage_gb": "60",
        "extra_gb_price": "75.50",
        "reason": "Revised rates for 2027",
        **extra,
    }


def test_a_new_price_needs_a_confirmation_and_is_recorded_and_audited(world: World) -> None:
    ledger = make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)
    day = datetime.date(2027, 1, 1)

    unconfirmed = client.post("/console/billing/plans/price/", _price_form(ledger.plan.pk, day))
    assert unconfirmed.status_code == 400
    assert not PlanPrice.objects.filter(plan=ledger.plan, effective_from=day).exists()

    done = client.post(
        "/console/billing/plans/price/", _price_form(ledger.plan.pk, day, confirm="on"), follow=True
    )

    price = PlanPrice.objects.get(plan=ledger.plan, effective_from=day)
    assert (price.seat_price_minor, price.included_storage_gb, price.extra_gb_price_minor) == (
        150_000,
        60,
        7_550,
    )
    assert price.recorded_by == world.federal_admin_email
    assert "billed at the new prices from 01 January 2027" in done.content.decode()
    event = BillingEvent.objects.get(action="price.set", detail__effective_from="2027-01-01")
    assert event.detail["effective_from"] == "2027-01-01" and event.ip_address == "127.0.0.1"
    assert "Rs 1,500.00" in client.get("/console/billing/plans/").content.decode()


def test_a_price_for_a_month_already_invoiced_is_refused(world: World) -> None:
    ledger = make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    refused = client.post(
        "/console/billing/plans/price/",
        _price_form(ledger.plan.pk, datetime.date(2026, 10, 15), confirm="on"),
    )

    assert refused.status_code == 400
    # set_price's refusal names the month invoiced and the earliest day a price may start.
    assert "October 2026 is already invoiced" in refused.content.decode()
    assert "from 1 November 2026 at the earliest" in refused.content.decode()
    assert not PlanPrice.objects.filter(effective_from=datetime.date(2026, 10, 15)).exists()
    assert not BillingEvent.objects.filter(
        action="price.set", detail__effective_from="2026-10-15"
    ).exists()


def test_an_extension_moves_the_end_of_grace_and_is_audited(world: World) -> None:
    ledger = make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)
    until = timezone.localdate() + datetime.timedelta(days=40)
    url = f"/console/billing/invoices/{ledger.unpaid.pk}/extension/"

    assert client.get(url).status_code == 200
    unconfirmed = client.post(url, {"until": until.isoformat(), "reason": "Budget release"})
    assert unconfirmed.status_code == 400
    client.post(url, {"until": until.isoformat(), "reason": "Budget release", "confirm": "on"})

    [notice] = grace_notices_for_partner(world.partner)
    assert notice.last_day == until
    event = BillingEvent.objects.get(action="grace_extended", invoice=ledger.unpaid)
    assert event.actor == world.federal_admin_email
    assert "grace_extended" in client.get("/console/billing/events/").content.decode()


def test_an_extension_is_refused_for_a_paid_invoice_and_to_partner_staff(world: World) -> None:
    ledger = make_ledger(world)
    federal = signed_in_client(world.control_host, world.federal_admin_email)
    owner = signed_in_client(world.control_host, world.partner_user_email)
    billing = signed_in_client(world.control_host, staff(world, "billing", "bilal").email)
    until = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    form = {"until": until, "reason": "Because", "confirm": "on"}

    paid = federal.post(f"/console/billing/invoices/{ledger.paid.pk}/extension/", form)
    by_owner = owner.post(f"/console/billing/invoices/{ledger.unpaid.pk}/extension/", form)
    by_billing = billing.post(f"/console/billing/invoices/{ledger.unpaid.pk}/extension/", form)

    assert paid.status_code == 400
    assert "has no open grace period to extend" in paid.content.decode()
    assert by_owner.status_code == 403 and by_billing.status_code == 403
    assert not BillingEvent.objects.filter(
        action="grace_extended", invoice__in=[ledger.paid, ledger.unpaid]
    ).exists()


def test_the_tenant_page_changes_the_plan_from_a_date_after_a_confirmation(world: World) -> None:
    ledger = make_ledger(world)
    punjab = world.punjab.tenant
    client = signed_in_client(world.control_host, world.federal_admin_email)
    provincial = Plan.objects.get(code="provincial")
    form = {"plan": provincial.pk, "effective_from": "2026-11-10", "reason": "Grew"}

    page = client.get(f"/console/tenants/{punjab.pk}/").content.decode()
    unconfirmed = client.post(f"/console/tenants/{punjab.pk}/plan/", form, follow=True)
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    done = client.post(
        f"/console/tenants/{punjab.pk}/plan/", {**form, "confirm": "on"}, follow=True
    )

    assert "Change the plan" in page and "Change the partner" in page
    assert "billed on Provincial from 10 November 2026" in done.content.decode()
    term = terms_of(punjab).order_by("-effective_from", "-id").first()
    assert term is not None and (term.plan, term.partner) == (provincial, world.partner)
    assert plan_of(punjab) == provincial  # a past day: in force now
    event = BillingEvent.objects.get(action="term.plan_changed", tenant=punjab)
    assert event.tenant == punjab and event.actor == world.federal_admin_email
    assert ledger.plan != provincial


def test_a_change_of_partner_bills_each_partner_its_days_and_never_an_invoiced_month(
    world: World,
) -> None:
    ledger = make_ledger(world)
    punjab = world.punjab.tenant
    client = signed_in_client(world.control_host, world.federal_admin_email)
    url = f"/console/tenants/{punjab.pk}/partner/"
    form = {"partner": ledger.other_partner.pk, "reason": "Contract moved", "confirm": "on"}

    refused = client.post(url, {**form, "effective_from": "2026-10-20"}, follow=True)
    assert "October 2026 is already invoiced for Test Punjab" in refused.content.decode()
    assert "from 1 November 2026 at the earliest" in refused.content.decode()
    client.post(url, {**form, "effective_from": "2026-11-16"})

    runs = terms_for_period(punjab, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert [(first.day, last.day, term.partner) for first, last, term in runs] == [
        (1, 15, world.partner),
        (16, 30, ledger.other_partner),
    ]
    punjab.refresh_from_db()
    assert punjab.partner == ledger.other_partner
    assert BillingEvent.objects.filter(action="term.partner_changed", tenant=punjab).count() == 1


def test_partner_staff_cannot_change_a_tenants_plan_or_partner(world: World) -> None:
    ledger = make_ledger(world)
    punjab = world.punjab.tenant
    client = signed_in_client(world.control_host, world.partner_user_email)
    form = {"effective_from": "2026-11-16", "reason": "Mine now", "confirm": "on"}

    plan = client.post(f"/console/tenants/{punjab.pk}/plan/", {**form, "plan": ledger.plan.pk})
    partner = client.post(
        f"/console/tenants/{punjab.pk}/partner/", {**form, "partner": ledger.other_partner.pk}
    )

    assert plan.status_code == 403 and partner.status_code == 403
    assert not BillingEvent.objects.filter(
        action__in=["term.plan_changed", "term.partner_changed"], tenant=punjab
    ).exists()


def test_the_federal_invoice_page_shows_lines_history_and_pdf_of_any_partner(world: World) -> None:
    ledger = make_ledger(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    client.post(
        f"/console/billing/invoices/{ledger.other_invoice.pk}/extension/",
        {"until": until, "reason": "Budget release", "confirm": "on"},
    )

    page = client.get(f"/console/billing/invoices/{ledger.other_invoice.pk}/")
    pdf = client.get(f"/console/billing/invoices/{ledger.other_invoice.pk}/pdf/")
    by_partner = signed_in_client(world.control_host, world.partner_user_email).get(
        f"/console/billing/invoices/{ledger.unpaid.pk}/"
    )

    html = page.content.decode()
    assert "INV-2026-000903" in html and "Other Vendor" in html
    assert world.sindh.tenant.name in html  # its line
    assert "grace_extended" in html and "Budget release" in html and "127.0.0.1" in html
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert by_partner.status_code == 403


def test_plans_are_created_and_changed_with_a_confirmation_and_audited(world: World) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)
    new = {
        "code": "district",
        "name": "District",
        "officer_limit": "500",
        "grace_days": "21",
        "prices_from": "01/01/2027",  # a plan is created with its first price
        "seat_price": "900.00",
        "included_storage_gb": "20",
        "extra_gb_price": "40.00",
    }

    unconfirmed = client.post("/console/billing/plans/new/", new)
    client.post("/console/billing/plans/new/", {**new, "confirm": "on"})
    again = client.post("/console/billing/plans/new/", {**new, "confirm": "on"})
    district = Plan.objects.get(code="district")
    client.post(
        f"/console/billing/plans/{district.pk}/",
        {"name": "District office", "grace_days": "30", "confirm": "on"},  # not offered
    )

    assert unconfirmed.status_code == 400 and again.status_code == 400
    assert "A plan with the code “district” exists" in again.content.decode()
    district.refresh_from_db()
    assert (district.name, district.grace_days, district.is_active) == (
        "District office",
        30,
        False,
    )
    created = BillingEvent.objects.get(action="plan.created", detail__plan="district")
    updated = BillingEvent.objects.get(action="plan.updated", detail__plan="district")
    first_price = PlanPrice.objects.get(plan=district)
    assert (first_price.effective_from, first_price.seat_price_minor) == (
        datetime.date(2027, 1, 1),
        90_000,
    )
    assert created.actor == world.federal_admin_email
    assert updated.detail["changes"]["grace_days"] == [21, 30]
    assert "District office" in client.get("/console/billing/plans/").content.decode()


def test_partner_staff_cannot_create_or_change_plans(world: World) -> None:
    client = signed_in_client(world.control_host, world.partner_user_email)
    standard = Plan.objects.get(code="standard")

    created = client.post(
        "/console/billing/plans/new/",
        {"code": "mine", "name": "Mine", "officer_limit": "5", "grace_days": "90", "confirm": "on"},
    )
    changed = client.post(
        f"/console/billing/plans/{standard.pk}/",
        {"name": "Cheap", "grace_days": "90", "is_active": "on", "confirm": "on"},
    )

    assert created.status_code == 403 and changed.status_code == 403
    assert not Plan.objects.filter(code="mine").exists()
    assert Plan.objects.get(code="standard").grace_days == 14


def test_grace_notices_name_the_tenants_of_the_unpaid_invoice_only(world: World) -> None:
    ledger = make_ledger(world)

    punjab = grace_notice_for_tenant(world.punjab.tenant)
    sindh = grace_notice_for_tenant(world.sindh.tenant)
    in_grace = {row.tenant for row in tenants_in_grace()}

    # Grace runs from the first of: the day the payment failed, the day after the due date.
    assert ledger.unpaid.payment_failed_at is not None and ledger.unpaid.due_on is not None
    punjab_start = min(
        timezone.localdate(ledger.unpaid.payment_failed_at),
        ledger.unpaid.due_on + datetime.timedelta(days=1),
    )
    assert punjab is not None and punjab.invoice_number == "INV-2026-000902"
    assert punjab.last_day == punjab_start + datetime.timedelta(days=ledger.plan.grace_days)
    # Sindh's invoice did not fail but is past its due date: its grace runs from the day after.
    due_on = ledger.other_invoice.due_on
    assert due_on is not None
    assert sindh is not None and sindh.invoice_number == "INV-2026-000903"
    assert sindh.last_day == due_on + datetime.timedelta(days=1 + 14)
    assert [n.invoice_number for n in grace_notices_for_partner(world.partner)] == [
        "INV-2026-000902"
    ]
    assert {world.punjab.tenant, world.sindh.tenant} <= in_grace


def test_a_partner_name_that_looks_like_a_formula_is_quoted_in_csv(world: World) -> None:
    ledger = make_ledger(world)
    Partner.objects.filter(pk=ledger.other_partner.pk).update(name="=HYPERLINK(evil)")
    client = signed_in_client(world.control_host, world.federal_admin_email)

    rows = list(
        csv.reader(io.StringIO(client.get("/console/billing/revenue.csv").content.decode()))
    )

    assert [
        "2026-10",
        "'=HYPERLINK(evil)",
        "PKR",
        "1",
        "3600.00",
        "0.00",
        "3600.00",
        "0.00",
    ] in rows
