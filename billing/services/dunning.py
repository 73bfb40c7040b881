"""Dunning: the grace period an unpaid invoice opens, and what follows when it ends.

An unpaid invoice whose payment failed, or whose due date has passed, opens one grace period
of its plan's grace_days (the longest among its lines' plans: a tenant is never made read-only
earlier than its plan promises). Reminders go out at the start, midway and one day before the
last day, each once. When the last day has passed unpaid, provisioning.tasks.apply_billing_holds
places a billing hold on each of the invoice's tenants (read-only, "Unpaid invoice INV-…");
paying or voiding the invoice closes the grace and that task lifts the holds; so does a
federal administrator's extension, until the new last day has passed. Nothing is deleted.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import User
from billing.invoice_states import UNPAID
from billing.models import BillingEvent, GracePeriod, Invoice, Plan
from billing.notifications import send_grace_reminder
from config.celery import app
from tenants.models import Tenant

log = logging.getLogger(__name__)

UNPAID_STATES = tuple(UNPAID)  # billing.invoice_states' one set
CLOSING_STATES: dict[str, str] = {
    Invoice.State.PAID: GracePeriod.Outcome.PAID,
    Invoice.State.VOID: GracePeriod.Outcome.VOID,
}
# Which reminders there are, in the order they fall due.
REMINDERS = ("start", "midway", "last_day")
APPLY_HOLDS_TASK = "provisioning.tasks.apply_billing_holds"


def invoice_changed(*, invoice: Invoice) -> GracePeriod | None:
    """Brings the invoice's grace period in line with its state; returns it (None if it has
    none). Idempotent: call it whenever an invoice's payment state changes (webhook,
    reconciliation, void) or its due date passes; a second call changes nothing.

    An unpaid (finalised / overdue) invoice whose payment failed or whose due date has passed
    gets its one grace period, starting the day the first of those happened; a paid or void
    invoice's open grace is closed, and the lifting of its tenants' billing holds is queued.
    """
    today = timezone.localdate()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        grace = GracePeriod.objects.select_for_update().filter(invoice=locked).first()
        if locked.state in CLOSING_STATES:
            if grace is not None and grace.closed_at is None:
                grace.closed_at, grace.outcome = timezone.now(), CLOSING_STATES[locked.state]
                grace.save(update_fields=["closed_at", "outcome"])
                _audit(locked, "grace_closed", {"outcome": grace.outcome})
                transaction.on_commit(queue_hold_check)
                following = Invoice.objects.filter(replaces=locked).first()
                if following is not None:
                    invoice_changed(invoice=following)  # its grace goes on from this one's
            return grace
        if grace is not None or locked.state not in UNPAID_STATES:
            return grace
        earlier = inherited_grace(locked)
        if earlier is not None:
            # A re-issued invoice owes what the one it replaces owed: its grace goes on, with
            # the same days and reminders, rather than starting afresh.
            grace = GracePeriod.objects.create(
                invoice=locked,
                opened_because=earlier.opened_because,
                started_on=earlier.started_on,
                ends_on=earlier.ends_on,
                extended_to=earlier.extended_to,
                reminded_start_at=earlier.reminded_start_at,
                reminded_midway_at=earlier.reminded_midway_at,
                reminded_last_day_at=earlier.reminded_last_day_at,
            )
            detail = {"continues": earlier.invoice.number or "", "ends_on": str(grace.last_day)}
            _audit(locked, "grace_continued", detail)
            transaction.on_commit(queue_hold_check)
            return grace
        started_on, because = _grace_start(locked, today)
        if started_on is None:
            return None
        grace = GracePeriod.objects.create(
            invoice=locked,
            opened_because=because,
            started_on=started_on,
            ends_on=started_on + datetime.timedelta(days=grace_days_of(locked)),
        )
        _audit(
            locked,
            "grace_started",
            {"because": because, "started_on": str(started_on), "ends_on": str(grace.ends_on)},
        )
        transaction.on_commit(queue_reminders)
    return grace


def inherited_grace(invoice: Invoice) -> GracePeriod | None:
    """The grace period of the nearest invoice this one replaces (directly or through other
    re-issues) that had one; None if none did."""
    earlier = invoice.replaces
    while earlier is not None:
        grace = GracePeriod.objects.filter(invoice=earlier).select_related("invoice").first()
        if grace is not None:
            return grace
        earlier = earlier.replaces
    return None


def _grace_start(invoice: Invoice, today: datetime.date) -> tuple[datetime.date | None, str]:
    starts: list[tuple[datetime.date, str]] = []
    if invoice.payment_failed_at is not None:
        starts.append((timezone.localdate(invoice.payment_failed_at), "payment_failed"))
    if invoice.due_on is not None and invoice.due_on < today:
        starts.append((invoice.due_on + datetime.timedelta(days=1), "overdue"))
    if not starts:
        return None, ""
    return min(starts)


def grace_days_of(invoice: Invoice) -> int:
    """The longest grace_days among the plans of the invoice's lines (the plans' default for
    an invoice without lines)."""
    longest = Plan.objects.filter(pk__in=invoice.lines.values("plan_id")).aggregate(
        days=Max("grace_days")
    )["days"]
    if longest is None:
        return int(Plan._meta.get_field("grace_days").get_default())
    return int(longest)


def grant_extension(
    *,
    invoice: Invoice,
    until: datetime.date,
    actor: str,
    reason: str,
    ip_address: str | None = None,
) -> GracePeriod:
    """Moves the last day of the invoice's open grace period to `until`; audited.

    Only a federal administrator (an active staff account of the control plane) may; refused
    (ValidationError) without a reason, without an open grace period, or unless `until` is
    later than both today and the present last day. A tenant already read-only for the
    invoice becomes writable again within a minute (its billing hold is lifted); the
    reminder one day before the end is sent again for the new end.
    """
    reason = reason.strip()
    with schema_context(get_public_schema_name()):  # the control plane's accounts
        federal = User.objects.filter(email=actor, is_staff=True, is_active=True).exists()
    if not federal:
        raise PermissionDenied("Only federal administrators grant extensions.")
    if not reason:
        raise ValidationError("Say why the extension is granted; it is kept in the audit trail.")
    today = timezone.localdate()
    with transaction.atomic():
        grace = (
            GracePeriod.objects.select_for_update(of=("self",))
            .select_related("invoice")
            .filter(invoice_id=invoice.pk, closed_at__isnull=True)
            .first()
        )
        if grace is None:
            raise ValidationError(f"Invoice {invoice} has no open grace period to extend.")
        before = grace.last_day
        if until <= max(today, before):
            raise ValidationError(
                f"An extension must end after {max(today, before):%d %B %Y}; "
                f"{until:%d %B %Y} is not later."
            )
        grace.extended_to, grace.reminded_last_day_at = until, None
        grace.save(update_fields=["extended_to", "reminded_last_day_at"])
        _audit(
            grace.invoice,
            "grace_extended",
            {"from": str(before), "to": str(until), "reason": reason},
            actor=actor,
            ip_address=ip_address,
        )
        transaction.on_commit(queue_hold_check)
    return grace


def open_overdue_grace_periods() -> int:
    """Opens the grace period of every unpaid invoice whose due date has passed and that has
    none yet (what the hourly run does for invoices no webhook told us about), and continues
    that of an invoice re-issued while in grace; returns how many it opened."""
    today = timezone.localdate()
    overdue = Invoice.objects.filter(
        Q(due_on__lt=today) | Q(replaces__isnull=False),
        state__in=UNPAID_STATES,
        grace_period__isnull=True,
    )
    opened = 0
    for invoice in overdue:
        if invoice_changed(invoice=invoice) is not None:
            opened += 1
    return opened


def close_settled_grace_periods() -> int:
    """Closes the open grace period of every invoice paid or voided without dunning being told
    (invoice_changed does it when it is); returns how many it closed."""
    settled = Invoice.objects.filter(
        state__in=list(CLOSING_STATES), grace_period__closed_at__isnull=True
    ).exclude(grace_period__isnull=True)
    for invoice in settled:
        invoice_changed(invoice=invoice)
    return len(settled)


def reminders_due(grace: GracePeriod, today: datetime.date) -> list[str]:
    """The reminders of an open grace period due by `today` and not yet sent, in order; none
    once the last day has passed (the tenants are read-only then and the banner says so)."""
    if grace.closed_at is not None or today > grace.last_day:
        return []
    due_on = {
        "start": grace.started_on,
        "midway": grace.midway,
        "last_day": grace.last_day - datetime.timedelta(days=1),
    }
    return [
        which
        for which in REMINDERS
        if getattr(grace, f"reminded_{which}_at") is None and today >= due_on[which]
    ]


def send_due_reminders() -> int:
    """Sends every reminder due of every open grace period, each once; returns how many
    reminders were sent. Each is claimed and its e-mails queued in one transaction (the
    e-mails leave once it commits), so two runs at once never send one twice."""
    today = timezone.localdate()
    sent = 0
    for grace_id in GracePeriod.objects.filter(closed_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            grace = (
                GracePeriod.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("invoice", "invoice__partner")
                .filter(pk=grace_id, closed_at__isnull=True)
                .first()
            )
            if grace is None:
                continue
            for which in reminders_due(grace, today):
                recipients = send_grace_reminder(grace=grace, which=which)
                setattr(grace, f"reminded_{which}_at", timezone.now())
                grace.save(update_fields=[f"reminded_{which}_at"])
                _audit(
                    grace.invoice,
                    "grace_reminder_sent",
                    {"reminder": which, "recipients": len(recipients)},
                )
                sent += 1
    return sent


def audit_hold(*, tenant: Tenant, reference: str, placed: bool, reason: str, actor: str) -> None:
    """Records in billing's audit trail that a billing hold for invoice `reference` was placed
    on (or lifted from) the tenant; called by provisioning in the hold's own transaction."""
    invoice = Invoice.objects.filter(number=reference).first()
    BillingEvent.objects.create(
        actor=actor,
        action="billing_hold_placed" if placed else "billing_hold_lifted",
        partner_id=invoice.partner_id if invoice else None,
        tenant=tenant,
        invoice=invoice,
        detail={"invoice": reference, "reason": reason},
    )


def _audit(
    invoice: Invoice,
    action: str,
    detail: Mapping[str, object],
    *,
    actor: str = "system",
    ip_address: str | None = None,
) -> BillingEvent:
    return BillingEvent.objects.create(
        actor=actor,
        action=action,
        partner_id=invoice.partner_id,
        invoice=invoice,
        detail={"invoice": invoice.number or "", **detail},
        ip_address=ip_address,
    )


def queue_hold_check() -> None:
    """Asks provisioning to place or lift billing holds now, by the task's name (billing may
    not import provisioning); the minutely beat does it anyway if the broker is away."""
    try:
        app.send_task(APPLY_HOLDS_TASK)
    except Exception:  # the beat's next run (within a minute) does the same
        log.warning("could not queue %s", APPLY_HOLDS_TASK, exc_info=True)


def queue_reminders() -> None:
    """Sends the reminder of a grace period that has just opened without waiting for the
    hourly run."""
    try:
        app.send_task("billing.tasks.dunning.run_dunning")
    except Exception:  # the hourly run sends it
        log.warning("could not queue the dunning run", exc_info=True)
