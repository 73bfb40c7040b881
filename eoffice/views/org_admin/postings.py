"""Postings: post an officer to a post (regularly or as additional charge), end a posting."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from eoffice.org_forms import EndPostingForm, PostingForm
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
def posting_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_or_404(pk)
    postings = selectors.postings_of_post(post, today())
    # A post that has a holder can only be given as additional charge besides (or transferred).
    form = PostingForm(
        request.POST or None, initial={"is_additional_charge": bool(postings.current)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        posting = attempt(
            form,
            lambda: services.post_officer(
                post_id=post.pk,
                from_date=data["from_date"],
                is_additional_charge=data["is_additional_charge"],
                reason=data["reason"],
                site=site(request),
                **form.officer,
                **by(request),
            ),
        )
        if posting is not None:
            params = {
                "officer": posting.officer,
                "post": post.abbreviation,
                "date": day(posting.from_date),
            }
            if posting.is_additional_charge:
                text = gettext("%(officer)s holds additional charge of %(post)s from %(date)s.")
            else:
                text = gettext("%(officer)s is posted to %(post)s from %(date)s.")
            messages.success(request, text % params)
            if form.officer["new_officer"] is not None:
                messages.info(request, invited(posting.officer))
            return redirect("manage:post", pk=post.pk)
    context = {"post": post, "form": form, "postings": postings}
    return render(request, "eoffice/manage/posting_create.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def posting_end(request: HttpRequest, pk: int) -> HttpResponse:
    posting = selectors.posting_for_admin(pk)
    if posting is None:
        raise Http404(gettext("There is no such posting."))
    # A posting still to begin is cancelled by relieving on its first day.
    form = EndPostingForm(
        request.POST or None, initial={"relieved_on": max(today(), posting.from_date)}
    )
    if request.method == "POST" and form.is_valid():
        relieved_on = form.cleaned_data["relieved_on"]
        ended = attempt(
            form,
            lambda: services.end_posting(
                posting_id=posting.pk, relieved_on=relieved_on, **by(request)
            ),
        )
        if ended is not None:
            messages.success(
                request,
                gettext("%(officer)s is relieved of %(post)s on %(date)s.")
                % {
                    "officer": posting.officer,
                    "post": posting.post.abbreviation,
                    "date": day(relieved_on),
                },
            )
            return redirect("manage:post", pk=posting.post_id)
    context = {
        "posting": posting,
        "post": posting.post,
        "form": form,
        "pending": selectors.pending_work(posting.post),
    }
    return render(request, "eoffice/manage/posting_end.html", context)
