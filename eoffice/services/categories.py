"""The tenant's categories of receipts and files. Never deleted: items keep theirs, so a
category no longer wanted is withdrawn from the lists instead. Each change is recorded as an
OrgChange by the administrator who made it."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from eoffice.errors import Invalid
from eoffice.models import Category, OrgChange
from eoffice.services.audit import Origin, record_org_change

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9&_-]{0,19}$")


@transaction.atomic
def add_category(*, code: str, name: str, actor: User, origin: Origin) -> Category:
    code, name = code.strip().upper(), name.strip()
    if not _CODE.match(code):
        raise Invalid(gettext("A category code is 1 to 20 letters, digits, &, _ or -, e.g. EST."))
    if not name or len(name) > 100:
        raise Invalid(gettext("Give the category a name of at most 100 characters."))
    if Category.objects.filter(code=code).exists():
        raise Invalid(
            gettext("The code %(code)s is already used by another category.") % {"code": code}
        )
    category = Category.objects.create(code=code, name=name)
    record_org_change(
        officer=actor,
        action=OrgChange.Action.CATEGORY_ADDED,
        summary=f"Category {code} “{name}” added",
        origin=origin,
    )
    return category


@transaction.atomic
def set_category_active(*, category_id: int, active: bool, actor: User, origin: Origin) -> Category:
    """Offers the category again (`active`) or withdraws it from the lists; items keep theirs.
    Asking for the state it already has changes and records nothing."""
    category = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise Invalid(gettext("There is no such category."))
    if category.is_active == active:
        return category
    category.is_active = active
    category.save(update_fields=["is_active"])
    if active:
        action, what = OrgChange.Action.CATEGORY_OFFERED, "offered again"
    else:
        action, what = OrgChange.Action.CATEGORY_WITHDRAWN, "withdrawn from the lists"
    record_org_change(
        officer=actor,
        action=action,
        summary=f"Category {category.code} “{category.name}” {what}",
        origin=origin,
    )
    return category
