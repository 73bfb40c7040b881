"""Transfers: give a post to a new holder on a date; its pending work passes with it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from eoffice.org_forms import TransferForm
from eoffice.selectors import org_chart as selectors
from eoffice.services import org_chart as services
from eoffice.views.org_admin.common import (
    admin_required,
    attempt,
    by,
    day,
    invited,
    post_or_404,
    site,
    today,
)


@admin_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Gives the post to a new holder on a date; its pending work passes with it."""
    post = post_or_404(pk)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            lambda: services.transfer_post(
                post_id=post.pk,
                on=data["on"],
                is_additional_charge=data["is_additional_charge"],
                reason=data["reason"],
                site=site(request),
                **form.officer,
                **by(request),
            ),
        )
        if done is not None:
            text = gettext("%(officer)s takes charge of %(post)s on %(date)s.") % {
                "officer": done.posting.officer,
                "post": post.abbreviation,
                "date": day(done.posting.from_date),
            }
            passed = ngettext(
                "%(count)d pending receipt or file passes to them with the post.",
                "%(count)d pending receipts and files pass to them with the post.",
                done.pending_items,
            ) % {"count": done.pending_items}
            messages.success(request, f"{text} {passed}")
            if form.officer["new_officer"] is not None:
                messages.info(request, invited(done.posting.officer))
            return redirect("manage:post", pk=post.pk)
    context = {
        "post": post,
        "form": form,
        "postings": selectors.postings_of_post(post, today()),
        "pending": selectors.pending_work(post),
    }
    return render(request, "eoffice/manage/transfer.html", context)
