"""Changes to accounts, in whichever schema the caller has entered."""

import datetime

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import ActiveDay, User


@transaction.atomic
def create_account(
    *, email: str, full_name: str, password: str | None = None, is_staff: bool = False
) -> User:
    """Creates an account whose e-mail counts as verified (an administrator vouches for it).

    Without a password the account cannot sign in until its owner sets one through the
    password-reset (invitation) link.
    """
    user = User.objects.create_user(
        email=email, full_name=full_name, password=password, is_staff=is_staff
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def set_language(*, user: User, language: str) -> None:
    """Remembers the officer's interface language (one of settings.LANGUAGES)."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}.")
    user.language = language
    user.save(update_fields=["language"])


def record_active_day(*, user: User, day: datetime.date | None = None) -> datetime.date:
    """Records that `user` was signed in on `day` (today in settings.TIME_ZONE by default).

    Idempotent and safe inside any transaction: a second call for the same day writes nothing
    and raises nothing (INSERT … ON CONFLICT DO NOTHING, so no savepoint is needed and the
    caller's transaction is never aborted). Returns the day recorded.
    """
    # The platform's day (settings.TIME_ZONE), whatever time zone a request may have activated:
    # the usage of a day counts exactly the sign-ins of that calendar day in Pakistan.
    day = day or timezone.localdate(timezone=timezone.get_default_timezone())
    ActiveDay.objects.bulk_create([ActiveDay(user=user, day=day)], ignore_conflicts=True)
    return day
