"""Offices and sections: created, renamed, moved. An office's code never changes (file numbers
carry it), and nothing is ever deleted."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from eoffice.models import Office, OrgChange
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import (
    check_code,
    check_text,
    invalid,
    lock_chart,
    office_named,
    recorded,
)


def _placed(parent: Office | None, top: str = "at the top") -> str:
    return f"under {parent}" if parent is not None else top


@transaction.atomic
def create_office(
    *, code: str, name: str, parent_id: int | None = None, actor: User, origin: Origin
) -> Office:
    """A new office, at the top or as a section under `parent_id`. Its code never changes (file
    numbers carry it)."""
    lock_chart()
    code = check_code("code", code, 30)
    name = check_text("name", name, 200)
    taken = Office.objects.filter(code__iexact=code).first()
    if taken is not None:
        raise invalid("code", gettext("%(office)s already has this code."), office=taken)
    parent = office_named("parent_id", parent_id)
    office = Office.objects.create(code=code, name=name, parent=parent)
    recorded(
        actor, origin, OrgChange.Action.OFFICE_CREATED, f"Office {office} created {_placed(parent)}"
    )
    return office


@transaction.atomic
def rename_office(*, office_id: int, name: str, actor: User, origin: Origin) -> Office:
    lock_chart()
    office = Office.objects.select_for_update().get(pk=office_id)
    old_name, new_name = office.name, check_text("name", name, 200)
    if new_name == old_name:
        return office
    office.name = new_name
    office.save(update_fields=["name"])
    recorded(
        actor,
        origin,
        OrgChange.Action.OFFICE_RENAMED,
        f"Office {office.code} renamed from “{old_name}” to “{new_name}”",
    )
    return office


@transaction.atomic
def move_office(*, office_id: int, parent_id: int | None, actor: User, origin: Origin) -> Office:
    """Places the office (with its sections and posts) under another office, or at the top.

    Refused if the new parent is the office itself or one of its own sections: the tree would
    loop."""
    lock_chart()
    office = Office.objects.select_for_update().get(pk=office_id)
    old_parent = office.parent
    parent = office_named("parent_id", parent_id)
    if parent is not None:
        parent_of = dict(Office.objects.values_list("pk", "parent_id"))
        current: int | None = parent.pk
        while current is not None:
            if current == office.pk:
                raise invalid(
                    "parent_id",
                    gettext(
                        "%(parent)s lies inside %(office)s; an office cannot be moved "
                        "under itself or one of its own sections."
                    ),
                    parent=parent,
                    office=office,
                )
            current = parent_of.get(current)
    if office.parent_id == (parent.pk if parent is not None else None):
        return office
    office.parent = parent
    office.save(update_fields=["parent"])
    recorded(
        actor,
        origin,
        OrgChange.Action.OFFICE_MOVED,
        f"Office {office} moved from {_placed(old_parent, 'the top')} "
        f"to {_placed(parent, 'the top')}",
    )
    return office
