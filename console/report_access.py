"""Who sees which tenants in the implementation report and its exports.

Federal administrators see every tenant. Partner staff see only the tenants their partners
operate (every partner they are on the staff of, whatever their role): every view and every
export of the report takes its rows through `report_scope`, never from the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.requests import signed_in_user
from tenants.models import Tenant
from tenants.selectors import partners_of_user


@dataclass(frozen=True)
class ReportScope:
    """`tenant_ids` None means every tenant (a federal administrator)."""

    tenant_ids: frozenset[int] | None
    partner_names: tuple[str, ...]

    @property
    def is_federal(self) -> bool:
        return self.tenant_ids is None

    @property
    def ids(self) -> list[int] | None:
        """For the report selectors' `tenant_ids`."""
        return None if self.tenant_ids is None else sorted(self.tenant_ids)


def scope_of(user: User) -> ReportScope | None:
    """The user's scope of the report, or None if they may not see it at all."""
    if user.is_staff:
        return ReportScope(tenant_ids=None, partner_names=())
    partners = list(partners_of_user(user).order_by("name"))
    if not partners:
        return None
    ids = Tenant.objects.filter(partner__in=partners).values_list("pk", flat=True)
    return ReportScope(
        tenant_ids=frozenset(ids), partner_names=tuple(partner.name for partner in partners)
    )


ScopedView = Callable[..., HttpResponse]


def report_viewer_required(view: ScopedView) -> ScopedView:
    """The view receives the signed-in user's `scope` after the request; anyone neither a
    federal administrator nor on a partner's staff gets 403."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = scope_of(signed_in_user(request))
        if scope is None:
            raise PermissionDenied(
                "The implementation report is for federal administrators and partner staff."
            )
        return view(request, scope, *args, **kwargs)

    return wrapped
