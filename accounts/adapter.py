from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from config.client_address import client_address


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by open sign-up, on either plane.

    Officers are added by their tenant administrator; federal administrators and partner users
    by the federal board. Provinces apply through the application form, not by signing up.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own rule trusts a count of X-Forwarded-For hops from any sender; its rate
        # limits must count failures under the same address the audit trail records.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address
