"""Who a posting or transfer is for: an officer of the e-office, or a new one, whose account is
made then and who is invited by e-mail once the change commits."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext

from accounts.invitations import Site
from accounts.models import User
from accounts.services import create_account
from eoffice.services.org_chart.checks import check_text, invalid
from eoffice.services.org_chart.invitations import invite_after_commit


@dataclass(frozen=True)
class NewOfficer:
    """An officer not yet in the e-office: an account is made and invited by e-mail."""

    full_name: str
    email: str


def officer_for(
    *, officer_id: int | None, new_officer: NewOfficer | None, site: Site | None
) -> tuple[User, bool]:
    """The officer named by id, or a new account (invited once the transaction commits, given
    the `site` to invite them to). The flag says whether the account is new."""
    if (officer_id is None) == (new_officer is None):
        raise invalid(
            "officer_id",
            gettext("Choose an officer of the e-office, or give a new officer's name and e-mail."),
        )
    if officer_id is not None:
        officer = User.objects.filter(pk=officer_id, is_active=True).first()
        if officer is None:
            raise invalid("officer_id", gettext("Choose an active officer from the list."))
        return officer, False
    assert new_officer is not None  # one of the two is given, checked above
    full_name = check_text("full_name", new_officer.full_name, 150)
    email = new_officer.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise invalid("email", gettext("Enter a valid e-mail address.")) from error
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        raise invalid(
            "email",
            gettext(
                "%(name)s already has an account with this e-mail; choose them from the "
                "list of officers."
            ),
            name=existing.full_name or existing.email,
        )
    officer = create_account(email=email, full_name=full_name)
    if site is not None:
        invite_after_commit(site, officer)
    return officer, True


def new_account(officer: User, created: bool, site: Site | None) -> str:
    """The end of an OrgChange's summary that says a new account was made (and invited)."""
    if not created:
        return ""
    invited = ", invited by e-mail" if site is not None else ""
    return f"; new account {officer.email}{invited}"
