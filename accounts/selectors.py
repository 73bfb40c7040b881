"""Reads about accounts."""

from allauth.mfa.models import Authenticator

from accounts.models import User


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def active_officer_count() -> int:
    """Active accounts in the current schema (a tenant's officers, when run inside one)."""
    return User.objects.filter(is_active=True).count()
