"""Recording and withdrawing workshops, and keeping officers_trained up to date."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.models import MonthlyFigures, ReportEvent, Workshop, WorkshopAttendee
from reports.selectors.workshops import trained_counts
from tenants.models import Tenant


def refresh_trained(*, tenant_id: int, since: datetime.date) -> int:
    """Recounts officers_trained of the tenant's MonthlyFigures rows from the month of
    `since` on (each counts workshops to its own month's end); returns the rows changed.
    A query per row: a tenant has at most a row a month."""
    changed = 0
    rows = MonthlyFigures.objects.filter(tenant_id=tenant_id, month__gte=since.replace(day=1))
    for row in rows.only("pk", "month"):
        following = (row.month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        trained = trained_counts([tenant_id], following - datetime.timedelta(days=1))[tenant_id]
        changed += MonthlyFigures.objects.filter(pk=row.pk).update(
            officers_trained=trained, updated_at=timezone.now()
        )
    return changed


def _clean_attendees(attendees: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = [(name.strip(), post.strip()) for name, post in attendees]
    if any(not name or not post for name, post in cleaned):
        raise ValidationError("Each attendee is named with their post.")
    return cleaned


@transaction.atomic
def record_workshop(
    *,
    tenant: Tenant,
    date: datetime.date,
    place: str,
    trainer: str,
    actor: str,
    attendee_count: int = 0,
    attendees: Sequence[tuple[str, str]] = (),
    ip_address: str | None = None,
) -> Workshop:
    """Records a workshop held for the tenant's officers, with either a count of attendees or
    their (name, post), audits it (`workshop_recorded`) and recounts the officers trained of
    the tenant's months from the workshop's on.

    Refuses (ValidationError) both or neither of a count and names, a date in the future, an
    empty place or trainer, and an attendee without a name or post.
    """
    named = _clean_attendees(attendees)
    if bool(named) == (attendee_count > 0):
        raise ValidationError("Give either the number of attendees or their names, not both.")
    if attendee_count < 0:
        raise ValidationError("The number of attendees cannot be negative.")
    if date > timezone.localdate(timezone=timezone.get_default_timezone()):
        raise ValidationError("A workshop is recorded once it has been held.")
    if not place.strip() or not trainer.strip():
        raise ValidationError("Say where the workshop was held and who trained.")
    workshop = Workshop.objects.create(
        tenant=tenant,
        date=date,
        place=place.strip(),
        trainer=trainer.strip(),
        attendee_count=attendee_count,
        recorded_by=actor,
    )
    WorkshopAttendee.objects.bulk_create(
        WorkshopAttendee(workshop=workshop, name=name, post=post) for name, post in named
    )
    ReportEvent.objects.create(
        actor=actor,
        action="workshop_recorded",
        tenant=tenant,
        ip_address=ip_address,
        detail={
            "workshop": workshop.pk,
            "date": date.isoformat(),
            "place": workshop.place,
            "trainer": workshop.trainer,
            "attendees": attendee_count or len(named),
            "named": bool(named),
        },
    )
    refresh_trained(tenant_id=tenant.pk, since=date)
    return workshop


@transaction.atomic
def withdraw_workshop(
    *, workshop: Workshop, actor: str, reason: str, ip_address: str | None = None
) -> Workshop:
    """Withdraws a workshop recorded in error (it then counts for nothing; the row stays),
    audits it (`workshop_withdrawn`) and recounts the officers trained of the tenant's months
    from its date on. Refuses (ValidationError) an empty reason and a second withdrawal."""
    if not reason.strip():
        raise ValidationError("A withdrawal says why.")
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError("This workshop has already been withdrawn.")
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdraw_reason = reason.strip()
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    ReportEvent.objects.create(
        actor=actor,
        action="workshop_withdrawn",
        tenant_id=locked.tenant_id,
        ip_address=ip_address,
        detail={"workshop": locked.pk, "date": locked.date.isoformat(), "reason": reason.strip()},
    )
    refresh_trained(tenant_id=locked.tenant_id, since=locked.date)
    return locked
