"""Our own PDF of an invoice: letterhead, the partner's billing account, lines and totals.

(Minimal version written by the portal helper so the portal can offer the download; the
ledger helper owns this module and its full version replaces it.)
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.models import BillingAccount, Invoice
from billing.money import format_money


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF: letterhead (settings.PLATFORM_NAME), the partner's billing
    account, number, period, dates, one row per line, subtotal, tax, total and state (a void
    invoice is marked VOID), and Stripe's hosted link when there is one."""
    styles = getSampleStyleSheet()

    def money(minor: int) -> str:
        return format_money(minor, invoice.currency)

    account = BillingAccount.objects.filter(partner=invoice.partner).first()
    story = [
        Paragraph(settings.PLATFORM_NAME, styles["Title"]),
        Paragraph(f"Invoice {invoice.number or '(draft)'}", styles["Heading2"]),
    ]
    if invoice.state == Invoice.State.VOID:
        story.append(Paragraph("VOID", styles["Heading1"]))
    billed_to = [invoice.partner.name]
    if account is not None:
        billed_to += [
            account.address.replace("\n", ", "),
            account.tax_number and f"NTN {account.tax_number}",
        ]
    story += [
        Paragraph("Billed to: " + " · ".join(part for part in billed_to if part), styles["Normal"]),
        Paragraph(
            f"Period {invoice.period_start:%d %b %Y} – {invoice.period_end:%d %b %Y}"
            + (f" · due {invoice.due_on:%d %b %Y}" if invoice.due_on else "")
            + f" · {invoice.get_state_display()}",
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    rows: list[list[str]] = [["Tenant / days", "Seats x price", "Storage over", "Amount"]]
    for line in invoice.lines.select_related("tenant", "price"):
        rows.append(
            [
                f"{line.tenant.name}\n{line.first_day:%d %b}–{line.last_day:%d %b}, "
                f"{line.days}/{line.month_days} days",
                f"{line.seats} x {money(line.price.seat_price_minor)}",
                f"{line.storage_over_gb} GB x {money(line.price.extra_gb_price_minor)}",
                money(line.amount_minor),
            ]
        )
    rows += [
        ["", "", "Subtotal", money(invoice.subtotal_minor)],
        ["", "", f"Tax ({invoice.tax_percent}%)", money(invoice.tax_minor)],
        ["", "", "Total", money(invoice.total_minor)],
    ]
    table = Table(rows, colWidths=[70 * mm, 40 * mm, 40 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (-2, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story.append(table)
    if invoice.stripe_hosted_url:
        story += [
            Spacer(1, 6 * mm),
            Paragraph(f"Pay online: {invoice.stripe_hosted_url}", styles["Normal"]),
        ]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=invoice.number or "Draft invoice").build(story)
    return buffer.getvalue()
