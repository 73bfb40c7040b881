"""The days an account is signed in: recorded once a day per session, and at every sign-in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import record_active_day

# The session's memo of the last day recorded for it (ISO date).
SESSION_DAY = "_active_day"


def note_active_day(request: HttpRequest, user: Any) -> None:
    """Records today for `user` unless this session already did; at most one write a day."""
    today = timezone.localdate(timezone=timezone.get_default_timezone()).isoformat()
    if request.session.get(SESSION_DAY) == today or not isinstance(user, User):
        return
    record_active_day(user=user)
    request.session[SESSION_DAY] = today


def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: a sign-in always counts for its day (connected in apps.py)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_DAY, None)  # a new sign-in, whoever signed in before
        note_active_day(request, user)
    elif isinstance(user, User):
        record_active_day(user=user)
