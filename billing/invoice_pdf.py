"""Our invoice as a PDF (ReportLab): letterhead, the partner's billing account, number, period
and dates, the lines grouped by tenant, subtotal, tax, total, state and Stripe's hosted link.

Every figure printed is read from the saved invoice and its lines (never rated again here),
so the PDF of an invoice is the same whenever it is downloaded, and a voided one says VOID.
Fonts are ReportLab's built-in Helvetica (Latin-1): names in other scripts would need an
embedded font, which the platform does not ship yet.
"""

from __future__ import annotations

import datetime
import io
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.models import BillingAccount, Invoice, InvoiceLine
from billing.money import format_money

State = Invoice.State


def _date(day: datetime.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "-"


def _days(line: InvoiceLine) -> str:
    run = (
        f"{line.first_day.day} {line.first_day:%b}"
        if line.first_day == line.last_day
        else f"{line.first_day.day}-{line.last_day.day} {line.last_day:%b}"
    )
    return f"{run}: {line.days} of {line.month_days} days"


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes (A4). Draft invoices print "DRAFT" where the number goes;
    void ones are marked VOID with the reason; a replacement names the invoice it replaces."""
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], ParagraphStyle("small", parent=styles["BodyText"])
    small.fontSize, small.leading = 8, 10
    heading = ParagraphStyle("letterhead", parent=styles["Title"], alignment=0)
    marked = ParagraphStyle("void", parent=styles["Heading1"], textColor=colors.red)
    currency = invoice.currency
    account = BillingAccount.objects.filter(partner_id=invoice.partner_id).first()
    lines = list(
        invoice.lines.select_related("tenant", "price", "plan").order_by("tenant__name", "position")
    )

    story: list[Any] = [
        _paragraph(settings.PLATFORM_NAME, heading),
        _paragraph("Invoice", styles["Heading2"]),
    ]
    if invoice.state == State.VOID:
        story.append(_paragraph(f"VOID: {invoice.void_reason}", marked))
    bill_to = [invoice.partner.name]
    if account is not None:
        bill_to += [account.address, account.billing_email]
        if account.tax_number:
            bill_to.append(f"NTN: {account.tax_number}")
    facts = [
        ["Invoice number", invoice.number or "DRAFT"],
        ["Period", f"{_date(invoice.period_start)} to {_date(invoice.period_end)}"],
        [
            "Issued",
            _date(timezone.localdate(invoice.finalised_at) if invoice.finalised_at else None),
        ],
        ["Due", _date(invoice.due_on)],
        ["State", invoice.get_state_display()],
    ]
    if invoice.replaces is not None:
        facts.append(["Replaces", invoice.replaces.number or f"draft {invoice.replaces.pk}"])
    if invoice.paid_at is not None:
        facts.append(["Paid", _date(timezone.localdate(invoice.paid_at))])
    header = Table(
        [
            [
                _paragraph("Bill to\n" + "\n".join(p for p in bill_to if p), body),
                Table(facts, colWidths=[32 * mm, 50 * mm]),
            ]
        ],
        colWidths=[90 * mm, 85 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 8 * mm)]

    rows: list[list[Any]] = [["Tenant / days", "Seats", "Storage over included", "Amount"]]
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for _, tenant_lines in groupby(lines, key=lambda line: line.tenant_id):
        group = list(tenant_lines)
        style.append(("FONTNAME", (0, len(rows)), (-1, len(rows)), "Helvetica-Bold"))
        style.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), colors.whitesmoke))
        rows.append([group[0].tenant.name, "", "", ""])
        for line in group:
            price = line.price
            rows.append(
                [
                    _paragraph(f"{line.plan.name}, {_days(line)}", small),
                    _paragraph(
                        f"{line.seats} x {format_money(price.seat_price_minor, currency)}"
                        f" x {line.days}/{line.month_days}\n"
                        f"= {format_money(line.seat_amount_minor, currency)}",
                        small,
                    ),
                    _paragraph(
                        f"{line.storage_over_gb} GB x "
                        f"{format_money(price.extra_gb_price_minor, currency)}"
                        f" x {line.days}/{line.month_days}\n"
                        f"(average {line.storage_gb} GB, {price.included_storage_gb} GB "
                        f"included)\n= {format_money(line.storage_amount_minor, currency)}",
                        small,
                    ),
                    format_money(line.amount_minor, currency),
                ]
            )
    if not lines:
        rows.append(["No charges", "", "", format_money(0, currency)])
    totals_from = len(rows)
    rows += [
        ["", "", "Subtotal", format_money(invoice.subtotal_minor, currency)],
        [
            "",
            "",
            f"Tax ({invoice.tax_percent.normalize():f}%)",
            format_money(invoice.tax_minor, currency),
        ],
        ["", "", "Total", format_money(invoice.total_minor, currency)],
    ]
    style += [
        ("LINEABOVE", (2, totals_from), (-1, totals_from), 0.5, colors.black),
        ("FONTNAME", (2, -1), (-1, -1), "Helvetica-Bold"),
    ]
    table = Table(rows, colWidths=[55 * mm, 38 * mm, 52 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 8 * mm)]
    story.append(
        _paragraph(
            "Seats are the officers who signed in during the month; storage is the average "
            "stored over the days recorded, in GB of 10^9 bytes. Only days with recorded usage "
            "are charged.",
            small,
        )
    )
    if invoice.stripe_hosted_url:
        story.append(_paragraph(f"Pay or view online: {invoice.stripe_hosted_url}", body))

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{settings.PLATFORM_NAME} invoice {invoice.number or 'draft'}",
        author=settings.PLATFORM_NAME,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    ).build(story)
    return buffer.getvalue()
