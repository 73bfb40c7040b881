"""Delegations: let an officer act for a post between two dates, revoke it, list them all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eoffice.org_forms import DelegationForm
from eoffice.selectors import org_chart as selectors
from eoffice.services import org_chart as services
from eoffice.views.common import back
from eoffice.views.org_admin.common import (
    admin_required,
    attempt,
    by,
    day,
    post_or_404,
    today,
)


@admin_required
@require_http_methods(["GET", "POST"])
def delegation_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delegation = attempt(
            form,
            lambda: services.delegate_post(post_id=post.pk, **form.cleaned_data, **by(request)),
        )
        if delegation is not None:
            messages.success(
                request,
                gettext("%(officer)s acts for %(post)s from %(start)s to %(end)s.")
                % {
                    "officer": delegation.delegate,
                    "post": post.abbreviation,
                    "start": day(delegation.from_date),
                    "end": day(delegation.to_date),
                },
            )
            return redirect("manage:post", pk=post.pk)
    context = {"post": post, "form": form, "postings": selectors.postings_of_post(post, today())}
    return render(request, "eoffice/manage/delegation_create.html", context)


@admin_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegation_for_admin(pk)
    if delegation is None:
        raise Http404(gettext("There is no such delegation."))
    try:
        services.revoke_delegation(delegation_id=delegation.pk, **by(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            gettext("The delegation of %(post)s to %(officer)s is revoked.")
            % {"post": delegation.post.abbreviation, "officer": delegation.delegate},
        )
    return back(request, reverse("manage:post", args=[delegation.post_id]))


@admin_required
@require_GET
def delegations(request: HttpRequest) -> HttpResponse:
    """Who acts for which post: in force today, still to begin, and lately ended or revoked."""
    on = today()
    listed = selectors.delegations_for_admin(on)
    return render(request, "eoffice/manage/delegations.html", {"delegations": listed, "today": on})
