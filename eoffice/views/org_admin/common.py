"""What the Manage screens share: who may open them, the records they name in their URLs, and
how a service's refusal and its author reach the service and the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext

from accounts.invitations import Site
from accounts.models import User
from accounts.requests import signed_in_user
from config.tenancy import request_tenant
from eoffice.models import Office, Post
from eoffice.org_forms import ServiceForm
from eoffice.selectors import org_chart as selectors
from eoffice.services.audit import Origin

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """Signed in (else to the sign-in page) and an administrator of this e-office (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied(
                gettext("Only the administrators of this e-office manage its org chart.")
            )
        return view(request, *args, **kwargs)

    return wrapped


def today() -> date:
    return timezone.localdate()


def day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def office_or_404(pk: int) -> Office:
    office = selectors.office_for_admin(pk)
    if office is None:
        raise Http404(gettext("There is no such office."))
    return office


def post_or_404(pk: int) -> Post:
    post = selectors.post_for_admin(pk)
    if post is None:
        raise Http404(gettext("There is no such post."))
    return post


def attempt(form: ServiceForm, action: Callable[[], Any]) -> Any | None:
    """Runs a service; on refusal shows its errors on the form and returns None."""
    try:
        return action()
    except ValidationError as error:
        form.add_service_error(error)
        return None


def by(request: HttpRequest) -> dict[str, Any]:
    """The keyword arguments naming who makes a change and from where, for its OrgChange."""
    return {"actor": signed_in_user(request), "origin": Origin.of(request)}


def site(request: HttpRequest) -> Site:
    """The e-office invitations from this request are for: its name, and the host the
    administrator reached it on (under the platform's public scheme, so a link e-mailed from
    behind a proxy that speaks plain HTTP still opens over HTTPS)."""
    return Site(
        name=request_tenant(request).name,
        base_url=f"{settings.PUBLIC_URL_SCHEME}://{request.get_host()}",
    )


def initial_id(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def invited(officer: User) -> str:
    return gettext("An invitation to set a password is e-mailed to %(email)s.") % {
        "email": officer.email
    }
