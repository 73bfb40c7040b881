"""Switching the interface between English and Urdu, remembered per officer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST

from accounts.services import set_language
from eoffice.views.common import back


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    response = back(request, "/")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        set_language(user=request.user, language=language)
    translation.activate(language)
    # The cookie covers the sign-in page, before anyone is known.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
