"""E-mails to applicants. They are handed to a worker once the decision commits (config.mail),
so a mail server that is down never slows or undoes a decision; the worker retries."""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from tenants.models import Application

log = logging.getLogger(__name__)

SUBJECTS = {
    "received": "We received the application of {name}",
    "approved": "The application of {name} is approved",
    "rejected": "The application of {name} is not approved",
}


def notify_applicant(application: Application, what: str, **extra: object) -> bool:
    """Sends the applicant the e-mail for `what` (received, approved, rejected); True if sent
    (or queued). `extra` goes into the template's context (the approved plan, say)."""
    tenant = application.tenant
    context = {
        **extra,
        "application": application,
        "tenant": tenant,
        "platform_name": settings.PLATFORM_NAME,
        "reference": reference(application),
    }
    try:
        send_mail(
            subject=f"[{settings.PLATFORM_NAME}] " + SUBJECTS[what].format(name=tenant.name),
            message=render_to_string(f"tenants/email/application_{what}.txt", context),
            from_email=None,
            recipient_list=[application.contact_email],
        )
    except (SMTPException, OSError):
        log.exception("could not e-mail %s about application %s", what, application.pk)
        return False
    return True


def reference(application: Application) -> str:
    return f"APP-{application.submitted_at:%Y}-{application.pk:05d}"
