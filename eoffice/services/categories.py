"""The tenant's categories of receipts and files. Never deleted: items keep theirs, so a
category no longer wanted is withdrawn from the lists instead."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext

from eoffice.errors import Invalid
from eoffice.models import Category

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9&_-]{0,19}$")


@transaction.atomic
def add_category(*, code: str, name: str) -> Category:
    code, name = code.strip().upper(), name.strip()
    if not _CODE.match(code):
        raise Invalid(gettext("A category code is 1 to 20 letters, digits, &, _ or -, e.g. EST."))
    if not name or len(name) > 100:
        raise Invalid(gettext("Give the category a name of at most 100 characters."))
    if Category.objects.filter(code=code).exists():
        raise Invalid(
            gettext("The code %(code)s is already used by another category.") % {"code": code}
        )
    return Category.objects.create(code=code, name=name)


@transaction.atomic
def set_category_active(*, category_id: int, active: bool) -> Category:
    category = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise Invalid(gettext("There is no such category."))
    category.is_active = active
    category.save(update_fields=["is_active"])
    return category
