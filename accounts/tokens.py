"""Every token a host issues is bound to that host's schema (architecture rule 6).

All schemas share one SECRET_KEY and their rows share ids (user 7 of Punjab and user 7 of Sindh),
so a signature over a row id alone is valid on every host. Each signed or hashed token of the
platform therefore mixes the schema it was issued in (`connection.schema_name`: the tenant's
schema, or 'public' on the control plane) into its salt, and is checked against the schema of
the host it comes back to. This module is the one place that signs or hashes tokens:
`tests/accounts/test_tokens.py` fails when code elsewhere calls Django's signing directly.

Allauth's other state between requests (login and reset codes, the pending two-factor step,
reauthentication, the TOTP secret being set up) lives in the session, and sessions live in each
schema's own table, so a session cookie of one host names nothing on another.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, NamedTuple

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from config import tenancy


def current_schema() -> str:
    """The schema the current host works in: a tenant's, or 'public' on the control plane."""
    return tenancy.current_schema()


def tenant_salt(purpose: str) -> str:
    """A salt for `purpose` that differs on every host, so a token of one is refused by all."""
    return f"{purpose}|schema:{current_schema()}"


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Password reset and invitation links (allauth's `default_token_generator`).

    As allauth's own generator, the hash covers the account's e-mail addresses (a link dies when
    one changes), and beyond it the schema. Settings name it as ACCOUNT_PASSWORD_RESET_TOKEN_
    GENERATOR, so every builder of such links (allauth's reset form, the invitations) uses it.
    """

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        emails = {str(getattr(user, "email", "") or "")} - {""}
        emails.update(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
        return "|".join(
            [super()._make_hash_value(user, timestamp), *sorted(emails), current_schema()]
        )


class TenantEmailConfirmationHMAC(EmailConfirmationHMAC):
    """E-mail confirmation keys: allauth's signed address id, salted with the schema."""

    @property
    def key(self) -> str:
        return signing.dumps(obj=self.email_address.pk, salt=tenant_salt(account_settings.SALT))

    @classmethod
    def from_key(cls, key: str) -> TenantEmailConfirmationHMAC | None:
        max_age = 60 * 60 * 24 * account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
        try:
            pk = signing.loads(key, max_age=max_age, salt=tenant_salt(account_settings.SALT))
            return cls(EmailAddress.objects.get(pk=pk, verified=False))
        except (signing.BadSignature, EmailAddress.DoesNotExist):
            return None


class TenantCookieStorage(CookieStorage):
    """The messages cookie, signed with the schema in its salt: another host drops it.

    The signer is made when a message is first read from or written to the cookie, not for
    every request: most requests carry no message, and making one costs a settings look-up
    and a key derivation (CookieStorage makes its own in __init__, which is skipped here)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        BaseStorage.__init__(self, *args, **kwargs)
        self._salt = tenant_salt(self.key_salt)  # the request's tenant, whatever runs later

    @cached_property
    def signer(self) -> signing.Signer:
        return signing.get_cookie_signer(salt=self._salt)


class TenantMessageStorage(FallbackStorage):
    """Django's default message storage (cookie, then session) with the tenant-bound cookie."""

    storage_classes = (TenantCookieStorage, *FallbackStorage.storage_classes[1:])


# --- Two-factor enrolment links ---------------------------------------------------------------
_ENROLMENT = "accounts.mfa_enrolment"


def _enrolment_fingerprint(user: User) -> str:
    """Changes when the password, the e-mail or the authenticators do: a link sent before any
    of them changed (say, before an enrolment) no longer opens."""
    from allauth.mfa.models import Authenticator

    authenticators = Authenticator.objects.filter(user_id=user.pk).order_by("pk")
    parts = [str(user.pk), user.password, user.email, *(str(a.pk) for a in authenticators)]
    return salted_hmac(tenant_salt(_ENROLMENT), "|".join(parts), algorithm="sha256").hexdigest()


def make_mfa_enrolment_key(user: User) -> str:
    """The key of a two-factor enrolment link for `user`, valid on this host only for
    FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT seconds."""
    payload = {"user": user.pk, "fingerprint": _enrolment_fingerprint(user)}
    return signing.dumps(payload, salt=tenant_salt(_ENROLMENT), compress=True)


def user_for_mfa_enrolment_key(key: str) -> User | None:
    """The account an enrolment key was issued to on this host, or None if the key is forged,
    expired, of another host, or outdated by a change to the account."""
    try:
        payload = signing.loads(
            key, salt=tenant_salt(_ENROLMENT), max_age=settings.FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT
        )
        user = User.objects.get(pk=payload["user"], is_active=True)
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        return None
    if not constant_time_compare(payload.get("fingerprint", ""), _enrolment_fingerprint(user)):
        return None
    return user


# --- Trusted browsers (accounts.login_throttle) -----------------------------------------------
_DEVICE = "accounts.login_throttle.device"


class TrustedDevice(NamedTuple):
    """One account this browser signed in to: the account's id and login e-mail, and a random
    nonce that names the browser for that account's failed-password counter."""

    user_pk: int
    email: str
    nonce: str


def make_device_cookie(devices: list[TrustedDevice]) -> str:
    """The value of the device cookie naming `devices`, valid on this host only."""
    return signing.dumps([list(device) for device in devices], salt=tenant_salt(_DEVICE))


def devices_for_cookie(value: str, *, max_age: int) -> list[TrustedDevice]:
    """The accounts a device cookie names, or none if it is forged, expired or of another host."""
    try:
        entries = signing.loads(value, salt=tenant_salt(_DEVICE), max_age=max_age)
        return [TrustedDevice(int(pk), str(email), str(nonce)) for pk, email, nonce in entries]
    except (signing.BadSignature, TypeError, ValueError):
        return []
