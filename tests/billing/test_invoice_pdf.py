"""The invoice PDF: pypdf reads back the letterhead, billing account, number, lines, totals,
tax field, state and Stripe link."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from pypdf import PdfReader

from billing import invoice_states
from billing.invoice_pdf import render_invoice_pdf
from billing.models import BillingAccount, Invoice
from billing.services.invoices import finalise_invoice, rate_month, void_invoice
from tests.billing import ledger_data as data
from tests.billing.ledger_data import MARCH

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@override_settings(BILLING_TAX_PERCENT="16", PLATFORM_NAME="Test e-Office Cloud")
def test_the_pdf_prints_the_account_lines_by_tenant_totals_tax_and_link(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Printed Vendor")
    BillingAccount.objects.create(
        partner=vendor,
        billing_email="accounts@printed.example",
        address="12 Mall Road\nLahore",
        tax_number="1234567-8",
    )
    lahore = data.tenant("Printed Lahore", billed_to=vendor)
    data.term(lahore, billed_to=vendor, plan="provincial", since=MARCH.replace(day=11))
    data.usage(lahore, range(1, 32), seats=10, storage_gb=80)
    data.usage(data.tenant("Printed Multan", billed_to=vendor), range(16, 32), seats=7)
    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=rate_month(partner=vendor, month=MARCH), actor="t")
    Invoice.objects.filter(pk=invoice.pk).update(
        stripe_hosted_url="https://invoice.stripe.com/i/test_123"
    )
    invoice.refresh_from_db()

    text = text_of(render_invoice_pdf(invoice))

    for expected in [
        "Test e-Office Cloud",
        "Printed Vendor",
        "12 Mall Road",
        "accounts@printed.example",
        "NTN: 1234567-8",
        str(invoice.number),
        "1 March 2026 to 31 March 2026",
        "Finalised",
        "Printed Lahore",
        "Printed Multan",
        "Standard, 1-10 Mar: 10 of 31 days",
        "Provincial, 11-31 Mar: 21 of 31 days",
        "10 x Rs 1,200.00 x 10/31",
        "30.000 GB x Rs 60.00 x 10/31",
        "Subtotal",
        "Tax (16%)",
        "Total",
        "https://invoice.stripe.com/i/test_123",
    ]:
        assert expected in text, expected
    for amount in (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor):
        assert f"{amount / 100:,.2f}" in text
    assert text.index("Printed Lahore") < text.index("Printed Multan")


def test_a_void_invoice_is_marked_void_and_a_draft_has_no_number(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    vendor = data.partner("Voided Print Vendor")
    data.usage(data.tenant("Voided Print Works", billed_to=vendor), range(1, 5))
    draft = rate_month(partner=vendor, month=MARCH)

    assert "DRAFT" in text_of(render_invoice_pdf(draft))

    with django_capture_on_commit_callbacks(execute=False):
        invoice = finalise_invoice(invoice=draft, actor="t")
        void_invoice(invoice=invoice, actor="federal@board.example", reason="Issued in error")
    invoice.refresh_from_db()
    assert invoice.state == invoice_states.State.VOID

    text = text_of(render_invoice_pdf(invoice))
    assert "VOID: Issued in error" in text and str(invoice.number) in text
