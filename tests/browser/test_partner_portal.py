"""The partner portal in Chromium: billing staff see their e-offices and invoices and download
a PDF; support staff see the e-offices and no amount anywhere."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django import DjangoDbBlocker

from accounts.services import create_account
from billing.models import BillingTerm, Invoice, InvoiceLine, Plan, PlanPrice, UsageRecord
from billing.services.dunning import invoice_changed
from billing.services.plans import assign_plan
from tenants.models import Partner
from tenants.services import add_partner_member, create_partner
from tests import conftest
from tests.browser.test_sign_in import office_screen, sign_in
from tests.conftest import PASSWORD, World, make_test_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@dataclass
class Vendor:
    partner: Partner
    office: conftest.TestTenant
    owner_email: str
    billing_email: str
    support_email: str
    invoice: Invoice


@pytest.fixture(scope="module")
def vendor(world: World, django_db_blocker: DjangoDbBlocker) -> Iterator[Vendor]:
    """A partner of its own with one e-office, ten days of usage, a paid invoice and an unpaid
    one in grace, committed so the server's threads see them."""
    with django_db_blocker.unblock():
        partner = create_partner(name="Browser Vendor IT", contact_email="ops@bvendor.example")
        office = make_test_tenant(
            subdomain="bvendor", name="Test Balochistan", partner=partner, officers=0
        )
        emails = {}
        for role, name in (
            ("owner", "Omar Owner"),
            ("billing", "Bushra Billing"),
            ("support", "Saad Support"),
        ):
            email = f"{role}@bvendor.example"
            user = create_account(email=email, full_name=name, password=PASSWORD)
            add_partner_member(partner=partner, user=user, role=role, invited_by="test-suite")
            emails[role] = email
        plan = Plan.objects.get(code="standard")
        price = PlanPrice.objects.filter(plan=plan).order_by("-effective_from").first()
        assert price is not None
        BillingTerm.objects.create(
            tenant=office.tenant,
            partner=partner,
            plan=plan,
            effective_from=datetime.date(2026, 9, 1),
            recorded_by="test-suite",
        )
        assign_plan(tenant=office.tenant, plan=plan, actor="test-suite")
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        for back in range(10):
            UsageRecord.objects.create(
                tenant=office.tenant,
                day=yesterday - datetime.timedelta(days=back),
                officers=40,
                officers_active=12,
                officers_active_month=25,
                storage_bytes=61_200_000_000,
            )
        invoice = Invoice.objects.create(
            partner=partner,
            period_start=datetime.date(2026, 9, 1),
            period_end=datetime.date(2026, 9, 30),
            currency="pkr",
            state=Invoice.State.PAID,
            number="INV-2026-000777",
            subtotal_minor=3_066_000,
            total_minor=3_066_000,
            finalised_at=timezone.now(),
            due_on=datetime.date(2026, 10, 15),
            paid_at=timezone.now(),
            stripe_hosted_url="https://invoice.stripe.example/i/in_777",
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            position=0,
            tenant=office.tenant,
            description="Test Balochistan, September 2026",
            plan=plan,
            price=price,
            first_day=datetime.date(2026, 9, 1),
            last_day=datetime.date(2026, 9, 30),
            days=30,
            month_days=30,
            seats=25,
            seat_amount_minor=3_000_000,
            storage_gb=Decimal("61.200"),
            storage_over_gb=Decimal("11.200"),
            storage_amount_minor=66_000,
            amount_minor=3_066_000,
            trace={"usage_record_ids": [], "days": []},
        )
        # October's, whose payment failed: the grace banner's invoice.
        unpaid = Invoice.objects.create(
            partner=partner,
            period_start=datetime.date(2026, 10, 1),
            period_end=datetime.date(2026, 10, 31),
            currency="pkr",
            state=Invoice.State.FINALISED,
            number="INV-2026-000778",
            subtotal_minor=3_100_000,
            total_minor=3_100_000,
            finalised_at=timezone.now(),
            due_on=datetime.date(2026, 11, 15),
            payment_failed_at=timezone.now() - datetime.timedelta(days=3),
        )
        InvoiceLine.objects.create(
            invoice=unpaid,
            position=0,
            tenant=office.tenant,
            description="Test Balochistan, October 2026",
            plan=plan,
            price=price,
            first_day=datetime.date(2026, 10, 1),
            last_day=datetime.date(2026, 10, 31),
            days=31,
            month_days=31,
            seats=25,
            seat_amount_minor=3_000_000,
            storage_gb=Decimal("62.000"),
            storage_over_gb=Decimal("12.000"),
            storage_amount_minor=100_000,
            amount_minor=3_100_000,
            trace={"usage_record_ids": [], "days": []},
        )
        invoice_changed(invoice=unpaid)  # as Stripe's outcome does: opens its grace period
    yield Vendor(
        partner=partner,
        office=office,
        owner_email=emails["owner"],
        billing_email=emails["billing"],
        support_email=emails["support"],
        invoice=invoice,
    )


def signed_in(browser: Browser, base: str, email: str) -> Page:
    page = office_screen(browser).new_page()
    page.goto(f"{base}/accounts/login/")
    sign_in(page, email)
    return page


def test_billing_staff_see_tenants_and_invoices_and_download_a_pdf(
    vendor: Vendor, server_port: int, browser: Browser, artifacts: Path
) -> None:
    base = f"http://localhost:{server_port}"
    page = signed_in(browser, base, vendor.billing_email)

    expect(page.get_by_role("heading", name="Browser Vendor IT")).to_be_visible()
    table = page.get_by_role("table").first
    expect(table).to_contain_text("Test Balochistan")
    expect(table).to_contain_text("Standard")
    expect(table).to_contain_text("61.20 GB")
    expect(page.locator(".grace")).to_contain_text("Invoice INV-2026-000778 for Rs 31,000.00")
    page.screenshot(path=artifacts / "partner-overview.png", full_page=True)

    page.get_by_role("link", name="Invoices", exact=True).click()
    row = page.get_by_role("row").filter(has_text="INV-2026-000777")
    expect(row).to_contain_text("Rs 30,660.00")
    expect(row).to_contain_text("Paid")
    page.screenshot(path=artifacts / "partner-invoices.png", full_page=True)

    row.get_by_role("link", name="INV-2026-000777").click()
    expect(page.get_by_role("heading", name="Lines")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("25 \N{MULTIPLICATION SIGN} Rs 1,200.00")
    page.screenshot(path=artifacts / "partner-invoice.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "INV-2026-000777.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    page.context.close()


def test_support_staff_see_tenants_and_no_amounts(
    vendor: Vendor, server_port: int, browser: Browser, artifacts: Path
) -> None:
    base = f"http://localhost:{server_port}"
    page = signed_in(browser, base, vendor.support_email)

    expect(page.get_by_role("table").first).to_contain_text("Test Balochistan")
    expect(page.get_by_role("link", name="Invoices", exact=True)).to_have_count(0)
    expect(page.locator(".grace")).to_contain_text("An invoice of Browser Vendor IT is unpaid")
    assert "Rs " not in page.locator("body").inner_text()
    page.screenshot(path=artifacts / "partner-support.png", full_page=True)

    refused = page.goto(f"{base}/console/partner/{vendor.partner.pk}/invoices/")
    assert refused is not None and refused.status == 403
    refused = page.goto(
        f"{base}/console/partner/{vendor.partner.pk}/invoices/{vendor.invoice.pk}/pdf/"
    )
    assert refused is not None and refused.status == 403
    page.context.close()


def test_the_owner_invites_and_removes_staff_with_a_confirmation(
    vendor: Vendor, server_port: int, browser: Browser, artifacts: Path
) -> None:
    base = f"http://localhost:{server_port}"
    page = signed_in(browser, base, vendor.owner_email)

    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_label("E-mail").fill("new.clerk@bvendor.example")
    page.get_by_label("Full name").fill("Nida Clerk")
    page.get_by_label("Role").select_option("support")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("new.clerk@bvendor.example is on the staff")
    page.screenshot(path=artifacts / "partner-staff.png", full_page=True)

    row = page.get_by_role("row").filter(has_text="new.clerk@bvendor.example")
    row.get_by_text("Remove…").click()
    row.get_by_label("I understand they lose access at once").check()
    page.screenshot(path=artifacts / "partner-staff-remove.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove Nida Clerk").click()
    expect(page.locator(".messages")).to_contain_text("is no longer on the staff")
    expect(page.get_by_role("heading", name="Former staff")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="new.clerk@bvendor.example")).to_contain_text(
        f"by {vendor.owner_email}"
    )
    page.context.close()


def test_the_federal_billing_screens_in_chromium(
    vendor: Vendor, world: World, server_port: int, browser: Browser, artifacts: Path
) -> None:
    base = f"http://localhost:{server_port}"
    page = signed_in(browser, base, world.federal_admin_email)

    page.get_by_role("link", name="Billing", exact=True).click()
    expect(page.get_by_role("heading", name="Revenue by partner and month")).to_be_visible()
    revenue = page.get_by_role("row").filter(has_text="Browser Vendor IT")
    expect(revenue.filter(has_text="September 2026")).to_contain_text("Rs 30,660.00")
    page.screenshot(path=artifacts / "federal-billing.png", full_page=True)
    page.get_by_role("link", name="INV-2026-000778").first.click()
    expect(page.get_by_role("heading", name="Lines")).to_be_visible()
    page.screenshot(path=artifacts / "federal-invoice.png", full_page=True)
    page.get_by_role("link", name="Grant an extension").click()
    page.get_by_label("Grace ends on").fill(
        (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    )
    page.get_by_label("Reason").fill("Budget released late")
    page.get_by_label("I grant the partner more time").check()
    page.screenshot(path=artifacts / "federal-extension.png", full_page=True)
    page.get_by_role("button", name="Grant the extension").click()
    expect(page.locator(".messages")).to_contain_text("INV-2026-000778: grace extended")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("table")).to_contain_text("grace_extended")
    page.screenshot(path=artifacts / "federal-events.png", full_page=True)
    page.get_by_role("link", name="Plans and prices").click()
    expect(page.get_by_role("heading", name="New price")).to_be_visible()
    page.get_by_text("Edit Standard…").click()
    expect(page.locator("#plan1_grace_days, [id$='_grace_days']").first).to_be_visible()
    page.screenshot(path=artifacts / "federal-plans.png", full_page=True)
    page.goto(f"{base}/console/tenants/{vendor.office.tenant.pk}/")
    expect(page.get_by_role("heading", name="Change the partner")).to_be_visible()
    page.locator("#billing").screenshot(path=artifacts / "federal-tenant-billing.png")
    page.screenshot(path=artifacts / "federal-tenant.png", full_page=True)
    page.context.close()


@pytest.mark.usefixtures("stripe_settings")
def test_billing_staff_add_a_card_through_stripe_js(
    vendor: Vendor, server_port: int, browser: Browser, artifacts: Path
) -> None:
    base = f"http://localhost:{server_port}"
    page = signed_in(browser, base, vendor.billing_email)
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.get_by_role("link", name="Cards", exact=True).click()
    expect(page.get_by_text("No card yet")).to_be_visible()
    page.get_by_role("button", name="Add a card").click()
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("44000")
    page.screenshot(path=artifacts / "partner-card-add.png", full_page=True)
    page.get_by_role("button", name="Save the card").click()

    expect(page.locator(".messages")).to_contain_text("The card is added.")
    row = page.get_by_role("row").filter(has_text="4242")
    expect(row).to_contain_text("Default")
    expect(row).to_contain_text("12/2030")
    page.screenshot(path=artifacts / "partner-cards.png", full_page=True)
    assert refusals == []
    page.context.close()
