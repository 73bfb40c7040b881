from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts import login_throttle
from accounts.models import User
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

    # Failed sign-ins are limited by accounts.login_throttle, not allauth's per-account lock
    # (ACCOUNT_RATE_LIMITS turns "login_failed" off): allauth calls these three around its check
    # of the password, for the sign-in form and reauthentication alike.

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        refusal = login_throttle.refusal(request, account=_account(credentials))
        if refusal:
            raise forms.ValidationError(refusal, code="too_many_login_attempts")

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_throttle.record_success(request, account=_account(credentials))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login_throttle.record_failure(request, account=_account(credentials))

    def post_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        if isinstance(user, User):
            login_throttle.trust_browser(request, response, user)
        return response


def _account(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")
