"""Posts: create, and a post's page (its details, holders, pending work, delegations)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from eoffice.org_forms import PostForm
from eoffice.selectors import org_chart as selectors
from eoffice.services import org_chart as services
from eoffice.views.org_admin.common import (
    admin_required,
    attempt,
    by,
    initial_id,
    post_or_404,
    today,
)


@admin_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None, initial={"office_id": initial_id(request, "office")})
    if request.method == "POST" and form.is_valid():
        post = attempt(form, lambda: services.create_post(**form.cleaned_data, **by(request)))
        if post is not None:
            messages.success(
                request,
                gettext("The post %(post)s is created. Post an officer to it when one is named.")
                % {"post": post.abbreviation},
            )
            return redirect("manage:post", pk=post.pk)
    return render(request, "eoffice/manage/post_create.html", {"form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A post: its details (editable), holders, pending work (a count), postings and
    delegations."""
    post = post_or_404(pk)
    initial = {
        "abbreviation": post.abbreviation,
        "designation": post.designation,
        "office_id": post.office_id,
        "reports_to_id": post.reports_to_id,
    }
    form = PostForm(request.POST or None, post=post, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = attempt(
            form,
            lambda: services.update_post(post_id=post.pk, **form.cleaned_data, **by(request)),
        )
        if updated is not None:
            messages.success(
                request, gettext("%(post)s is saved.") % {"post": updated.abbreviation}
            )
            return redirect("manage:post", pk=post.pk)
    on = today()
    delegations = list(selectors.delegations_of_post(post, on))
    context = {
        "post": post,
        "form": form,
        "postings": selectors.postings_of_post(post, on),
        "delegations": delegations,
        "pending": selectors.pending_work(post),
        "subordinates": post.subordinates.order_by("abbreviation"),
        "today": on,
    }
    return render(request, "eoffice/manage/post.html", context)
