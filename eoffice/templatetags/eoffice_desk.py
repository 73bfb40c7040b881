"""What the layout shows of the signed-in officer's desk: the posts they act for today."""

from __future__ import annotations

from typing import Any

from django import template

from config.tenancy import request_tenant
from eoffice.selectors.access import Holding
from eoffice.views.common import desk_for

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_holdings(context: dict[str, Any]) -> list[Holding]:
    """The officer's posts on a tenant's host (the desk is built once per request); none on
    the control plane or for a visitor."""
    request = context.get("request")
    if request is None or request_tenant(request) is None:
        return []
    if not request.user.is_authenticated:
        return []
    return desk_for(request).current_holdings
