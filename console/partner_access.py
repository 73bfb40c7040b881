"""Who may open which page of the partner portal: staff of that partner only, money pages for
owners and billing staff only."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.requests import signed_in_user
from tenants.models import PartnerMembership
from tenants.selectors import membership_of, partners_of_user

MONEY_ROLES = frozenset({PartnerMembership.Role.OWNER, PartnerMembership.Role.BILLING})

PartnerView = Callable[..., HttpResponse]


def partner_staff_required(
    *, roles: frozenset[str] | None = None
) -> Callable[[PartnerView], PartnerView]:
    """The view receives the user's live `membership` of the partner in the URL
    (`partner_id`). Someone not on that partner's staff gets 404, as if it did not exist (a
    partner never learns of another's); a member whose role is not in `roles` gets 403."""

    def decorate(view: PartnerView) -> PartnerView:
        @wraps(view)
        @login_required
        def wrapped(
            request: HttpRequest, partner_id: int, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            user = signed_in_user(request)
            partner = partners_of_user(user).filter(pk=partner_id).first()
            membership = membership_of(user, partner) if partner else None
            if membership is None:
                raise Http404("No such partner.")
            if roles is not None and membership.role not in roles:
                raise PermissionDenied("Your role on this partner's staff does not show this page.")
            return view(request, membership, *args, **kwargs)

        return wrapped

    return decorate


def sees_money(membership: PartnerMembership) -> bool:
    return membership.role in MONEY_ROLES
