"""Two-factor enrolment of federal administrators, which only the e-mailed link opens.

A password alone must not be enough to take a federal account that has no second factor yet:
whoever knows it could otherwise add an address, change the password or enrol their own
authenticator. So until the administrator has TOTP, a signed-in session reaches nothing but
sign-in, sign-out and the page that sends the enrolment link; the TOTP pages open only in a
session that came through that link (`grant`), which proves the mailbox as well as the password.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.selectors import has_totp
from accounts.tokens import make_mfa_enrolment_key
from config.tenancy import request_tenant

# How long a session that came through the link may take to finish enrolling.
GRANT_SECONDS = 30 * 60
_GRANT = "accounts_mfa_enrolment"

# Pages open to an administrator who must still enrol (url names).
ALWAYS_OPEN = frozenset(
    {"account_login", "account_logout", "accounts_mfa_enrolment", "accounts_mfa_enrolment_link"}
)
# ... and, in a session that came through the link, the pages that enrol (allauth asks for the
# password again before it adds an authenticator).
OPEN_WITH_LINK = frozenset({"mfa_activate_totp", "account_reauthenticate"})


def must_enrol(request: HttpRequest) -> bool:
    """True for a signed-in federal administrator without TOTP, when the rule is on."""
    if not settings.REQUIRE_FEDERAL_ADMIN_MFA or request_tenant(request) is not None:
        return False
    user = request.user
    return isinstance(user, User) and user.is_staff and not has_totp(user)


def grant(session: SessionBase, user: User) -> None:
    """Records that this session came through a valid enrolment link of `user`."""
    session[_GRANT] = {"user": user.pk, "until": int(time.time()) + GRANT_SECONDS}


def has_grant(session: SessionBase, user_pk: object) -> bool:
    """True while this session's enrolment link (of the account `user_pk`) is fresh."""
    granted = session.get(_GRANT)
    return (
        isinstance(granted, dict)
        and granted.get("user") == user_pk
        and int(granted.get("until", 0)) > time.time()
    )


def enrolment_link(user: User) -> str:
    """The absolute enrolment link of `user` on the control plane (call it in 'public')."""
    path = reverse(
        "accounts_mfa_enrolment_link",
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        kwargs={"key": make_mfa_enrolment_key(user)},
    )
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{settings.PLATFORM_DOMAIN}{port}{path}"
