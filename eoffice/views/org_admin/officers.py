"""Officers: send the set-password invitation again."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from eoffice.selectors import org_chart as selectors
from eoffice.services import org_chart as services
from eoffice.views.common import back
from eoffice.views.org_admin.common import admin_required, by, invited, site

logger = logging.getLogger(__name__)


@admin_required
@require_POST
def officer_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Sends the set-password invitation again, to an officer who has not set a password."""
    officer = selectors.officer_for_admin(pk)
    if officer is None:
        raise Http404(gettext("There is no such officer."))
    if officer.has_usable_password():
        messages.info(
            request,
            gettext(
                "%(officer)s has already set a password; if it is forgotten, “Forgot your "
                "password?” on the sign-in page sends a new link."
            )
            % {"officer": officer},
        )
    else:
        try:
            services.send_officer_invitation(site=site(request), officer=officer, **by(request))
        except OSError:  # smtplib's errors included: the mail server is down or refuses
            logger.exception("Invitation to officer %s not sent", officer.pk)
            messages.error(
                request,
                gettext("The invitation could not be sent just now; please try again later."),
            )
        else:
            messages.success(request, invited(officer))
    return back(request, reverse("manage:index"))
