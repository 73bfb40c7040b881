"""A suspended tenant's e-office is read-only."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Tenant
from tenants.selectors import suspension_reason

# Signing in and out stay possible during a suspension: users must still read their files.
_ALLOWED_WRITES = ("/accounts/login/", "/accounts/logout/", "/accounts/2fa/authenticate/")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class SuspendedTenantReadOnlyMiddleware:
    """Refuses every request that could change a suspended tenant's data, with the reason why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.state == Tenant.State.SUSPENDED
            and request.method not in _READS
            and not request.path.startswith(_ALLOWED_WRITES)
        ):
            return render(
                request,
                "errors/suspended.html",
                {"reason": suspension_reason(tenant)},
                status=403,
            )
        return self.get_response(request)
