"""What a view behind sign-in knows of its request's user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's account; refuses a request that reached a signed-in view without one.

    Views call it instead of reading `request.user`, which may be an AnonymousUser for all the
    type checker knows: the refusal turns a missing `login_required` into a 403, not a crash.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
