"""Invoices: rating a month into drafts, finalising (numbered, sent to Stripe), voiding, and the
month-end run that does all of it for every partner.

A finalised invoice never changes: when a month rated again gives a different total before
it is paid, the invoice is voided and a new one `replaces` it; after payment the difference
is only recorded (an event), never charged or refunded silently.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing import invoice_states
from billing.audit import record_billing_event
from billing.models import BillingEvent, Invoice, InvoiceLine, Plan
from billing.rating import RatedLine, month_bounds
from billing.rating_inputs import month_inputs
from billing.selectors.rated import Key, RatedInvoice, rate_inputs, rate_partner
from billing.services import dunning
from billing.tasks.collection import queue_collection, queue_void
from tenants.models import Partner, Tenant

State = Invoice.State
DIFFERENCE_AFTER_PAYMENT = "invoice.difference_after_payment"


@dataclass
class MonthEndReport:
    """What run_month_end did, by invoice number (a draft voided unissued: by its id)."""

    month: str
    issued: list[str] = field(default_factory=list)
    reissued: list[tuple[str, str]] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    difference_after_payment: list[str] = field(default_factory=list)
    # Partners left out because one of their tenants could not be rated (partner id → why).
    refused: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "issued": self.issued,
            "reissued": [list(pair) for pair in self.reissued],
            "voided": self.voided,
            "unchanged": self.unchanged,
            "difference_after_payment": self.difference_after_payment,
            "refused": {str(partner_id): why for partner_id, why in self.refused.items()},
            "seconds": round(self.seconds, 3),
        }


def _describe(line: RatedLine, tenant_names: dict[int, str], plan_names: dict[int, str]) -> str:
    last = f"{line.last_day.day} {line.last_day:%b %Y}"
    days = last if line.first_day == line.last_day else f"{line.first_day.day}-{last}"
    return f"{tenant_names[line.tenant_id]}: {plan_names[line.plan_id]}, {days}"[:300]


def _save_draft(
    rated: RatedInvoice, *, actor: str, replaces: Invoice | None, inputs_plans: dict[int, str]
) -> Invoice:
    """Saves a rated invoice as a draft with its lines (bulk), audited."""
    invoice = Invoice.objects.create(
        partner_id=rated.partner_id,
        period_start=rated.period_start,
        period_end=rated.period_end,
        currency=rated.currency,
        subtotal_minor=rated.subtotal_minor,
        tax_percent=rated.tax_percent,
        tax_minor=rated.tax_minor,
        total_minor=rated.total_minor,
        replaces=replaces,
    )
    names = dict(
        Tenant.objects.filter(pk__in={line.tenant_id for line in rated.lines}).values_list(
            "pk", "name"
        )
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            tenant_id=line.tenant_id,
            description=_describe(line, names, inputs_plans),
            plan_id=line.plan_id,
            price_id=line.price_id,
            first_day=line.first_day,
            last_day=line.last_day,
            days=line.days,
            month_days=line.month_days,
            seats=line.seats,
            seat_amount_minor=line.seat_amount_minor,
            storage_gb=line.storage_gb,
            storage_over_gb=line.storage_over_gb,
            storage_amount_minor=line.storage_amount_minor,
            amount_minor=line.amount_minor,
            trace=line.trace,
        )
        for position, line in enumerate(rated.lines, start=1)
    )
    record_billing_event(
        actor=actor,
        action="invoice.drafted",
        invoice=invoice,
        detail={
            "period": rated.period_start.isoformat(),
            "lines": len(rated.lines),
            "total_minor": rated.total_minor,
            "replaces": replaces.pk if replaces else None,
        },
    )
    return invoice


def _same_lines(invoice: Invoice, rated: RatedInvoice) -> bool:
    saved = [
        (
            line.tenant_id,
            line.plan_id,
            line.price_id,
            line.first_day,
            line.last_day,
            line.days,
            line.seats,
            line.seat_amount_minor,
            line.storage_over_gb,
            line.storage_amount_minor,
        )
        for line in invoice.lines.order_by("position")
    ]
    return invoice.total_minor == rated.total_minor and saved == [
        line.signature() for line in rated.lines
    ]


def _live_invoice(partner_id: int, period_start: datetime.date, currency: str) -> Invoice | None:
    # The partner's row is locked first: two runs of the same month take turns per partner,
    # so the second finds the first one's invoice instead of making another.
    Partner.objects.select_for_update().get(pk=partner_id)
    return (
        Invoice.objects.select_for_update()
        .filter(partner_id=partner_id, period_start=period_start, currency=currency)
        .exclude(state=State.VOID)
        .order_by("pk")
        .first()
    )


def _plan_names() -> dict[int, str]:
    return dict(Plan.objects.values_list("pk", "name"))


@transaction.atomic
def rate_month(*, partner: Partner, month: datetime.date, actor: str = "system") -> Invoice:
    """The partner's draft invoice for the month `month` falls in, rated from the usage
    recorded now.

    Guarantees: a draft that still matches is returned as it is; a draft whose figures changed
    is voided and a new draft replaces it (lines never change); a finalised, paid or overdue
    invoice is never touched (ValidationError: run_month_end compares and re-issues); a month
    with nothing to bill gives ValidationError. One currency per partner (every plan is in PKR
    today); a partner billed in several is refused here and rated per currency by
    run_month_end.
    """
    first, _ = month_bounds(month)
    rated = rate_partner(partner, first)
    if len(rated) > 1:
        raise ValidationError(f"{partner} is billed in several currencies; use run_month_end.")
    if not rated:
        raise ValidationError(f"Nothing to bill {partner} for {first:%B %Y}: no usage recorded.")
    (currency, invoice_rated), *_ = rated.items()
    live = _live_invoice(partner.pk, first, currency)
    if live is not None and live.state != State.DRAFT:
        raise ValidationError(
            f"{live} is {live.get_state_display().lower()}; it is never changed (month end "
            "voids and re-issues it if its total differs)."
        )
    if live is not None and _same_lines(live, invoice_rated):
        return live
    if live is not None:
        invoice_states.to_void(live, actor=actor, reason="Rated again: usage or terms changed")
    return _save_draft(invoice_rated, actor=actor, replaces=live, inputs_plans=_plan_names())


def next_invoice_number(year: int) -> str:
    """The next number of the year, 'INV-2026-000123', gap-free.

    One upsert on the year's counter row inside the caller's transaction: the row stays locked
    until it ends, so concurrent finalisings take numbers one after another, and one that
    rolls back gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Invoice numbers are taken inside the transaction that uses them.")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_invoicecounter (year, last_number) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last_number = billing_invoicecounter.last_number"
            " + 1 RETURNING last_number",
            [year],
        )
        row = cursor.fetchone()
        assert row is not None  # RETURNING always yields the row just written
    return f"INV-{year}-{int(row[0]):06d}"


@transaction.atomic
def finalise_invoice(*, invoice: Invoice, actor: str, ip_address: str | None = None) -> Invoice:
    """draft → finalised: numbered (gap-free per year of finalising), due in
    BILLING_PAYMENT_DAYS, audited, and queued for collection by Stripe once this commits.
    Refused (InvoiceTransitionNotAllowed) for anything but a draft; the check comes before
    the number is taken, so a refusal uses none."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    invoice_states.check_transition(locked, State.FINALISED)
    today = timezone.localdate()
    finalised = invoice_states.to_finalised(
        locked,
        actor=actor,
        number=next_invoice_number(today.year),
        due_on=today + datetime.timedelta(days=settings.BILLING_PAYMENT_DAYS),
        ip_address=ip_address,
    )
    invoice.refresh_from_db()
    invoice_id = finalised.pk
    transaction.on_commit(lambda: queue_collection(invoice_id))
    return invoice


@transaction.atomic
def void_invoice(
    *, invoice: Invoice, actor: str, reason: str, ip_address: str | None = None
) -> Invoice:
    """→ void with the reason (a draft, or a finalised / overdue invoice not paid); the
    invoice and its lines are kept. An invoice that was sent to Stripe is voided there too,
    once this commits, and its grace period (if any) is closed."""
    was = Invoice.objects.select_for_update().get(pk=invoice.pk).state
    invoice_states.to_void(invoice, actor=actor, reason=reason, ip_address=ip_address)
    invoice.refresh_from_db()
    dunning.invoice_changed(invoice=invoice)
    if was in invoice_states.UNPAID:
        invoice_id = invoice.pk
        transaction.on_commit(lambda: queue_void(invoice_id))
    return invoice


def _partner_month_end(
    key: Key,
    rated: RatedInvoice | None,
    *,
    period_start: datetime.date,
    actor: str,
    plan_names: dict[int, str],
    report: MonthEndReport,
) -> None:
    """One partner's month end, in one transaction (a crash leaves earlier partners done)."""
    partner_id, currency = key
    with transaction.atomic():
        live = _live_invoice(partner_id, period_start, currency)
        if live is None:
            if rated is not None:
                draft = _save_draft(rated, actor=actor, replaces=None, inputs_plans=plan_names)
                report.issued.append(finalise_invoice(invoice=draft, actor=actor).number or "")
            return
        if live.state == State.DRAFT:
            if rated is not None and _same_lines(live, rated):
                report.issued.append(finalise_invoice(invoice=live, actor=actor).number or "")
                return
            void_invoice(invoice=live, actor=actor, reason="Rated again at month end")
            if rated is None:
                report.voided.append(str(live.pk))
            else:
                draft = _save_draft(rated, actor=actor, replaces=live, inputs_plans=plan_names)
                report.issued.append(finalise_invoice(invoice=draft, actor=actor).number or "")
            return
        total = rated.total_minor if rated is not None else 0
        if live.total_minor == total:
            report.unchanged.append(live.number or str(live.pk))
            return
        if live.state == State.PAID:
            _record_difference_after_payment(live, total, actor=actor)
            report.difference_after_payment.append(live.number or str(live.pk))
            return
        void_invoice(
            invoice=live,
            actor=actor,
            reason=f"Month rated again: total {total} instead of {live.total_minor} (minor units)",
        )
        if rated is None:
            report.voided.append(live.number or str(live.pk))
            return
        draft = _save_draft(rated, actor=actor, replaces=live, inputs_plans=plan_names)
        new = finalise_invoice(invoice=draft, actor=actor)
        report.reissued.append((live.number or str(live.pk), new.number or ""))


def _record_difference_after_payment(invoice: Invoice, total: int, *, actor: str) -> None:
    """Once per paid invoice and rated total: a re-run of the month records nothing more."""
    already = BillingEvent.objects.filter(
        invoice=invoice, action=DIFFERENCE_AFTER_PAYMENT, detail__rated_total_minor=total
    ).exists()
    if not already:
        record_billing_event(
            actor=actor,
            action=DIFFERENCE_AFTER_PAYMENT,
            invoice=invoice,
            detail={
                "paid_total_minor": invoice.total_minor,
                "rated_total_minor": total,
                "difference_minor": total - invoice.total_minor,
            },
        )


def run_month_end(*, month: datetime.date, actor: str = "system") -> MonthEndReport:
    """Rates the month `month` falls in for every partner and brings its invoices in line.

    A partner with a tenant that cannot be rated (its plan has no price on a billed day) is
    left out whole, audited and named in the report; every other partner is billed.
    For each partner and currency: no invoice yet → a draft, finalised; a draft → finalised
    (re-drafted first if its figures changed); finalised / overdue with a different total →
    voided and a new invoice that `replaces` it is finalised; the same total → nothing; paid
    with a different total → unchanged, a "difference after payment" event (once). An unpaid
    invoice whose partner has nothing left to bill is voided. Each partner in its own
    transaction, so a run that crashes half-way is simply run again: what was done is found
    done, and nothing is charged twice. The rating reads the month in a few bulk queries.
    """
    started = time.perf_counter()
    first, _ = month_bounds(month)
    report = MonthEndReport(month=first.isoformat())
    rated = rate_inputs(month_inputs(first), refused=report.refused)
    for partner_id, why in report.refused.items():
        # Said once per run; the partner's invoices stay as they are until the plan is fixed.
        record_billing_event(
            actor=actor,
            action="invoice.rating_refused",
            partner=Partner.objects.get(pk=partner_id),
            detail={"month": first.isoformat(), "reason": why},
        )
    live_keys = {
        key
        for key in Invoice.objects.filter(period_start=first)
        .exclude(state=State.VOID)
        .values_list("partner_id", "currency")
        if key[0] not in report.refused
    }
    plan_names = _plan_names()
    for key in sorted(set(rated) | live_keys):
        _partner_month_end(
            key,
            rated.get(key),
            period_start=first,
            actor=actor,
            plan_names=plan_names,
            report=report,
        )
    report.seconds = time.perf_counter() - started
    return report


def mark_overdue_invoices(
    *, today: datetime.date | None = None, actor: str = "system"
) -> list[Invoice]:
    """finalised → overdue for every invoice still unpaid after its due date (the day after
    `due_on`), each in its own transaction, audited, and its grace period brought in line
    (billing.services.dunning). Running it twice changes nothing more."""
    today = today or timezone.localdate()
    marked: list[Invoice] = []
    for invoice in Invoice.objects.filter(state=State.FINALISED, due_on__lt=today).order_by("pk"):
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if locked.state != State.FINALISED:  # paid (or voided) since it was listed
                continue
            invoice_states.to_overdue(
                locked,
                actor=actor,
                detail={"due_on": locked.due_on.isoformat() if locked.due_on else ""},
            )
            dunning.invoice_changed(invoice=locked)
        marked.append(locked)
    return marked
