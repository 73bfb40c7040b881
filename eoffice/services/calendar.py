"""The tenant's holidays, kept by its administrators. Never deleted: a holiday not kept after
all is withdrawn. Each change is recorded as an OrgChange by the administrator who made it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from eoffice.errors import Invalid
from eoffice.models import Holiday, OrgChange
from eoffice.services.audit import Origin, record_org_change


@transaction.atomic
def add_holiday(*, day: datetime.date, name: str, actor: User, origin: Origin) -> Holiday:
    """Adds a holiday, or brings back (renamed) one withdrawn on the same day."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise Invalid(gettext("Give the holiday a name of at most 200 characters."))
    holiday = Holiday.objects.select_for_update().filter(day=day).first()
    if holiday is not None and holiday.withdrawn_at is None:
        raise Invalid(gettext("%(day)s is already a holiday.") % {"day": day.isoformat()})
    if holiday is None:
        holiday = Holiday.objects.create(day=day, name=name)
    else:
        holiday.name, holiday.withdrawn_at = name, None
        holiday.save(update_fields=["name", "withdrawn_at"])
    record_org_change(
        officer=actor,
        action=OrgChange.Action.HOLIDAY_ADDED,
        summary=f"Holiday {day.isoformat()} “{name}” added",
        origin=origin,
    )
    return holiday


@transaction.atomic
def withdraw_holiday(*, holiday_id: int, actor: User, origin: Origin) -> Holiday:
    """Withdraws a holiday (the day becomes a working day unless it falls on the weekend);
    withdrawing one already withdrawn changes and records nothing."""
    holiday = Holiday.objects.select_for_update().filter(pk=holiday_id).first()
    if holiday is None:
        raise Invalid(gettext("There is no such holiday."))
    if holiday.withdrawn_at is not None:
        return holiday
    holiday.withdrawn_at = timezone.now()
    holiday.save(update_fields=["withdrawn_at"])
    record_org_change(
        officer=actor,
        action=OrgChange.Action.HOLIDAY_WITHDRAWN,
        summary=f"Holiday {holiday.day.isoformat()} “{holiday.name}” withdrawn",
        origin=origin,
    )
    return holiday
