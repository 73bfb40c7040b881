"""Account e-mails sent in the background: no request waits on a mail server."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from accounts.selectors import has_totp
from config.celery import app


@app.task
def send_mfa_enrolment_link(user_id: int) -> bool:
    """E-mails a federal administrator the link that opens two-factor enrolment; queued on the
    control plane, so the link is minted for (and only opens on) the control plane. False if
    the account is gone, inactive or already enrolled."""
    from accounts.mfa_enrolment import enrolment_link

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or has_totp(user):
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "link": enrolment_link(user),
            "platform_name": settings.PLATFORM_NAME,
            "valid_hours": max(1, settings.FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT // 3600),
        }
        send_mail(
            subject=gettext("[%(platform)s] Turn on two-factor authentication")
            % {"platform": settings.PLATFORM_NAME},
            message=render_to_string("accounts/email/mfa_enrolment.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    return True
