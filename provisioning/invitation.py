"""Invitations to a new e-office: a link to set a password on the tenant's own host, sent to its
first administrator and to every officer of the onboarding survey when the e-office opens."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from provisioning.models import OpeningInvitation
from tenants.models import Tenant
from tenants.naming import primary_host


def tenant_url(tenant: Tenant, path: str = "/") -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{primary_host(tenant.subdomain or '')}{port}{path}"


def invitation_link(tenant: Tenant, user: User) -> str:
    """A set-password link, valid for PASSWORD_RESET_TIMEOUT, that works once."""
    path = reverse(
        "account_reset_password_from_key",
        urlconf=settings.ROOT_URLCONF,
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return tenant_url(tenant, path)


def _context(tenant: Tenant, user: User) -> dict[str, object]:
    return {
        "tenant": tenant,
        "user": user,
        "link": invitation_link(tenant, user),
        "sign_in": tenant_url(tenant, "/accounts/login/"),
        "platform_name": settings.PLATFORM_NAME,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }


def send_invitation(*, tenant: Tenant, user: User) -> None:
    """E-mails the first administrator's invitation; the caller is inside the tenant's schema
    (the token hashes the user's password and last login there)."""
    send_mail(
        subject=f"[{settings.PLATFORM_NAME}] Your e-office for {tenant.name} is ready",
        message=render_to_string("provisioning/email/invitation.txt", _context(tenant, user)),
        from_email=None,
        recipient_list=[user.email],
    )


def send_officer_invitation(*, tenant: Tenant, user: User) -> None:
    """E-mails an officer of the survey their invitation to the newly opened e-office, in
    their language; the caller is inside the tenant's schema."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = gettext("[%(platform)s] You are invited to the e-office of %(tenant)s") % {
            "platform": settings.PLATFORM_NAME,
            "tenant": tenant.name,
        }
        message = render_to_string(
            "provisioning/email/officer_invitation.txt", _context(tenant, user)
        )
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])


def invite_once(*, tenant: Tenant, user: User, as_admin: bool) -> bool:
    """Invites the user to the tenant's opening unless they were already; True if invited now.

    The record and the message are one transaction: the message is queued as the record
    commits (config.mail), and a message that cannot be sent leaves no record, so a re-run
    invites exactly those not invited yet.
    """
    with transaction.atomic():
        _, created = OpeningInvitation.objects.get_or_create(
            tenant=tenant, email=user.email.lower(), defaults={"as_admin": as_admin}
        )
        if created:
            if as_admin:
                send_invitation(tenant=tenant, user=user)
            else:
                send_officer_invitation(tenant=tenant, user=user)
    return created
