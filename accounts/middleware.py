"""Session expiry by inactivity, and the two-factor rule for federal administrators."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from accounts.selectors import has_totp

_REFRESHED_AT = "_refreshed_at"


class SlidingSessionMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT of inactivity, never at a fixed time.

    An authenticated request renews the stored expiry once it is older than
    SESSION_REFRESH_INTERVAL, so an officer at work is never signed out, while the session
    table is written at most once per interval per officer rather than on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(_REFRESHED_AT, 0) >= settings.SESSION_REFRESH_INTERVAL:
                session[_REFRESHED_AT] = now
        return self.get_response(request)


class FederalAdminMFAMiddleware:
    """On the control plane, sends a federal administrator without TOTP to set it up first.

    Only the sign-in, sign-out and two-factor pages stay open until then.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_totp(request):
            setup_url = reverse("mfa_activate_totp")
            messages.warning(
                request,
                "Federal administrators must turn on two-factor authentication before using "
                "the console.",
            )
            return redirect(setup_url)
        return self.get_response(request)

    @staticmethod
    def _must_set_up_totp(request: HttpRequest) -> bool:
        if not settings.REQUIRE_FEDERAL_ADMIN_MFA or getattr(request, "tenant", None) is not None:
            return False
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        if request.path.startswith(("/accounts/", "/" + settings.STATIC_URL.lstrip("/"))):
            return False
        return not has_totp(user)


class UserLanguageMiddleware:
    """Speaks the signed-in officer's chosen language, whatever their browser asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user and user.is_authenticated else ""
        if chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
