"""The first administrator's invitation: a link to set a password on the tenant's own host."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
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


def send_invitation(*, tenant: Tenant, user: User) -> None:
    """E-mails the invitation; the caller is inside the tenant's schema (the token hashes the
    user's password and last login there)."""
    context = {
        "tenant": tenant,
        "user": user,
        "link": invitation_link(tenant, user),
        "sign_in": tenant_url(tenant, "/accounts/login/"),
        "platform_name": settings.PLATFORM_NAME,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        subject=f"[{settings.PLATFORM_NAME}] Your e-office for {tenant.name} is ready",
        message=render_to_string("provisioning/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
