from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators, never by open sign-up, on either plane.

    Officers are added by their tenant administrator; federal administrators and partner users
    by the federal board. Provinces apply through the application form, not by signing up.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
