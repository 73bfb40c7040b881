from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts.tokens import TenantEmailConfirmationHMAC


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
