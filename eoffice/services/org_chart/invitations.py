"""Inviting officers to set their password, on the host of the administrator's e-office."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts import invitations
from accounts.invitations import Site
from accounts.models import User
from eoffice.models import OrgChange
from eoffice.services.audit import Origin
from eoffice.services.org_chart.checks import recorded

INVITATION_TEMPLATE = "eoffice/manage/email/invitation.txt"


@transaction.atomic
def send_officer_invitation(*, site: Site, officer: User, actor: User, origin: Origin) -> None:
    """E-mails the officer (again) a link to set their password, and records that the
    administrator sent it. A mail server that is down or refuses raises OSError, and then
    nothing is recorded."""
    recorded(
        actor,
        origin,
        OrgChange.Action.INVITATION_SENT,
        f"Invitation to set a password sent to {officer} <{officer.email}>",
    )
    mail_invitation(site, officer)


def mail_invitation(site: Site, officer: User) -> None:
    """E-mails the officer, in their language, a link to set their password on the site's host
    (the caller is inside the tenant's schema: the token hashes the password and last login
    there)."""
    with translation.override(officer.language or settings.LANGUAGE_CODE):
        subject = gettext("[%(platform)s] You are invited to the e-office of %(tenant)s") % {
            "platform": settings.PLATFORM_NAME,
            "tenant": site.name,
        }
        invitations.send_invitation(
            site=site, user=officer, subject=subject, template=INVITATION_TEMPLATE
        )


def invite_after_commit(site: Site, officer: User) -> None:
    # After commit: the officer must exist when the link is used, and a mail server that is down
    # must not undo the posting (the administrator can send the invitation again).
    # The posting's own OrgChange says that the new officer is invited.
    transaction.on_commit(lambda: mail_invitation(site, officer), robust=True)
