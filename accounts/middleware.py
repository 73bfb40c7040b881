"""Session expiry by inactivity, and the two-factor rule for federal administrators."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation

from accounts import mfa_enrolment
from accounts.active_days import note_active_day

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
    """On the control plane, a federal administrator without TOTP reaches only sign-in,
    sign-out and the page that e-mails the enrolment link; the enrolment pages open only in a
    session that came through that link (accounts.mfa_enrolment). Everything else, under
    /accounts/ or not, is sent to that page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if mfa_enrolment.must_enrol(request) and not self._open(request):
            return redirect("accounts_mfa_enrolment")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            name = resolve(request.path_info, getattr(request, "urlconf", None)).url_name
        except Resolver404:
            return False
        if name in mfa_enrolment.ALWAYS_OPEN:
            return True
        return name in mfa_enrolment.OPEN_WITH_LINK and mfa_enrolment.has_grant(
            request.session, request.user.pk
        )


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


class ActiveDayMiddleware:
    """Records the day for a signed-in account on its first request of each day.

    Sign-in records the day itself (accounts.active_days); this covers a session that stays
    open past midnight. The session remembers the last day recorded, so only the first request
    of a day writes (one row, and one session save), never every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session and request.user.is_authenticated:
            note_active_day(request, request.user)
        return self.get_response(request)
