"""Invitations to a new e-office: a link to set a password on the tenant's own host, sent to its
first administrator and to every officer of the onboarding survey when the e-office opens.

A thin layer over accounts.invitations that knows the tenant's address and name."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts import invitations
from accounts.models import User
from provisioning.models import OpeningInvitation
from tenants.models import Tenant
from tenants.naming import primary_host


def tenant_url(tenant: Tenant, path: str = "/") -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{primary_host(tenant.subdomain or '')}{port}{path}"


def tenant_site(tenant: Tenant) -> invitations.Site:
    return invitations.Site(name=tenant.name, base_url=tenant_url(tenant, ""))


def invitation_link(tenant: Tenant, user: User) -> str:
    """A set-password link, valid for PASSWORD_RESET_TIMEOUT, that works once."""
    return invitations.invitation_link(site=tenant_site(tenant), user=user)


def send_invitation(*, tenant: Tenant, user: User) -> None:
    """E-mails the first administrator's invitation; the caller is inside the tenant's schema
    (the token hashes the user's password and last login there)."""
    invitations.send_invitation(
        site=tenant_site(tenant),
        user=user,
        subject=f"[{settings.PLATFORM_NAME}] Your e-office for {tenant.name} is ready",
        template="provisioning/email/invitation.txt",
    )


def send_officer_invitation(*, tenant: Tenant, user: User) -> None:
    """E-mails an officer of the survey their invitation to the newly opened e-office, in
    their language; the caller is inside the tenant's schema."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        invitations.send_invitation(
            site=tenant_site(tenant),
            user=user,
            subject=gettext("[%(platform)s] You are invited to the e-office of %(tenant)s")
            % {"platform": settings.PLATFORM_NAME, "tenant": tenant.name},
            template="provisioning/email/officer_invitation.txt",
        )


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
