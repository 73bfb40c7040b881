"""The unread-notice count the top bar shows (templates/eoffice/_notices_link.html)."""

from __future__ import annotations

from typing import Any

from django import template

from eoffice.selectors.notices import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context: dict[str, Any]) -> int:
    """How many of the signed-in officer's notices are unread (0 when signed out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
