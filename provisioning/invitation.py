"""The first administrator's invitation: a link to set a password on the tenant's own host.

A thin layer over accounts.invitations that knows the tenant's address and name."""

from django.conf import settings

from accounts import invitations
from accounts.models import User
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
    """E-mails the invitation; the caller is inside the tenant's schema (the token hashes the
    user's password and last login there)."""
    invitations.send_invitation(
        site=tenant_site(tenant),
        user=user,
        subject=f"[{settings.PLATFORM_NAME}] Your e-office for {tenant.name} is ready",
        template="provisioning/email/invitation.txt",
    )
