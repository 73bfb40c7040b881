"""A suspended tenant's e-office is read-only; one being archived is closed.

Which writes a suspended e-office still accepts is not decided here: its database refuses every
other write (eoffice.write_modes holds the one list, its schema's trigger enforces it), whatever
the request, task or shell that tries. This middleware turns that refusal into the page that
says why, and closes an e-office whose writes are frozen for its archive, where even signing in
would be refused half-way.
"""

import weakref
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.tenancy import request_tenant
from eoffice import write_modes
from eoffice.selectors.write_mode import write_mode
from tenants.models import Tenant
from tenants.selectors import suspension_reason


class SuspendedTenantReadOnlyMiddleware:
    """Shows why a change was refused (403) and closes a frozen e-office (503)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._refused: weakref.WeakSet[HttpRequest] = weakref.WeakSet()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = request_tenant(request)
        # Only a suspended tenant can be frozen (an archive suspends it first), so an active
        # one costs no query.
        if tenant is None or tenant.state != Tenant.State.SUSPENDED:
            return self.get_response(request)
        if write_mode() == write_modes.FROZEN:
            response = render(
                request,
                "errors/archiving.html",
                {"reason": suspension_reason(tenant)},
                status=503,
            )
            response["Cache-Control"] = "no-store"
            return response
        # One transaction for the view: a refused write undoes whatever the request wrote
        # before it ("nothing was changed" is then true), and leaves a connection fit to draw
        # the page that says so.
        with transaction.atomic():
            response = self.get_response(request)
            refused = request in self._refused
            if refused:
                transaction.set_rollback(True)
        return self._refusal(request) if refused else response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request_tenant(request) is None or not write_modes.is_refused_write(exception):
            return None
        tenant = request_tenant(request)
        if tenant.state == Tenant.State.SUSPENDED:
            self._refused.add(request)  # answered in __call__, once the transaction is undone
            return HttpResponse(status=403)
        return self._refusal(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "errors/suspended.html",
            {"reason": suspension_reason(request_tenant(request))},
            status=403,
        )
