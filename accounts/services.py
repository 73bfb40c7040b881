"""Changes to accounts, in whichever schema the caller has entered."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import User


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
