"""Invitations: an e-mail with a link to set a password on the host of the user's e-office.

Accounts knows nothing of the tenant registry: the caller says which e-office the invitation is
for and where it is served (a `Site`). Provisioning passes the tenant's own address; the
e-office passes the host of the administrator's request. The caller is inside the user's schema
(the token hashes the user's password and last login there).
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User


@dataclass(frozen=True)
class Site:
    """The e-office an invitation is for: its name, as the e-mail shows it, and where it is
    served (`scheme://host[:port]`, without a path)."""

    name: str
    base_url: str

    def url(self, path: str = "/") -> str:
        return self.base_url.rstrip("/") + path


def invitation_link(*, site: Site, user: User) -> str:
    """A set-password link on the site's host, valid for PASSWORD_RESET_TIMEOUT, that works
    once."""
    path = reverse(
        "account_reset_password_from_key",
        urlconf=settings.ROOT_URLCONF,
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return site.url(path)


def send_invitation(*, site: Site, user: User, subject: str, template: str) -> None:
    """E-mails the user the invitation, its text rendered from `template` with `site`, `user`,
    `link`, `sign_in`, `platform_name` and `valid_days`. A mail server that is down or refuses
    raises OSError."""
    context = {
        "site": site,
        "user": user,
        "link": invitation_link(site=site, user=user),
        "sign_in": site.url("/accounts/login/"),
        "platform_name": settings.PLATFORM_NAME,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        subject=subject,
        message=render_to_string(template, context),
        from_email=None,
        recipient_list=[user.email],
    )
