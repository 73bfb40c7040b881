"""Reads about accounts. The two the home page shows after every sign-in are prepared
(config.database.prepared): a sign-in storm opens a thousand home pages."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Count, QuerySet

from accounts.models import User
from config.database.prepared import prepared, totals


@prepared
def _totp_of(user_id: int) -> QuerySet[Authenticator, tuple[int]]:
    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).values_list(
        "pk"
    )[:1]


@prepared
def _active_accounts() -> QuerySet[Any]:
    return totals(User.objects.filter(is_active=True), n=Count("pk"))


def has_totp(user: User) -> bool:
    return bool(_totp_of(user.pk))


def active_officer_count() -> int:
    """Active accounts in the current schema (a tenant's officers, when run inside one)."""
    return int(_active_accounts()[0]["n"])
