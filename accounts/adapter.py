from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.tokens import TenantEmailConfirmationHMAC
from config.client_address import client_address


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by open sign-up, on either plane.

    Officers are added by their tenant administrator; federal administrators and partner users
    by the federal board. Provinces apply through the application form, not by signing up.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_confirmation_mail(
        self, request: HttpRequest, emailconfirmation: Any, signup: bool
    ) -> None:
        # Whatever confirmation allauth made, the link sent is the one bound to this host.
        bound = TenantEmailConfirmationHMAC(emailconfirmation.email_address)
        super().send_confirmation_mail(request, bound, signup)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own rule trusts a count of X-Forwarded-For hops from any sender; its rate
        # limits must count failures under the same address the audit trail records.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address
