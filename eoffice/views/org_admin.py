"""The tenant administrator's screens: offices, posts, postings, transfers, delegations and the
CSV import of the org chart.

Only the e-office's administrators (User.is_staff in the tenant's schema) open them. They show
no receipt or file: at most how many a post holds. Each view checks the input with a form from
eoffice.org_forms, calls one service of eoffice.services.org_chart and reports the outcome.
Each change is recorded with its administrator and origin (see `_by`) in the History page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from eoffice.models import Office, Post
from eoffice.org_forms import (
    TABLE_LABELS,
    DelegationForm,
    EndPostingForm,
    ImportForm,
    OfficeCreateForm,
    OfficeMoveForm,
    OfficeRenameForm,
    PostForm,
    PostingForm,
    ServiceForm,
    TransferForm,
)
from eoffice.selectors import org_chart as selectors
from eoffice.services import org_chart as services
from eoffice.services.audit import Origin
from eoffice.views.common import back
from tenants import survey

View = Callable[..., HttpResponse]
logger = logging.getLogger(__name__)


def admin_required(view: View) -> View:
    """Signed in (else to the sign-in page) and an administrator of this e-office (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied(
                gettext("Only the administrators of this e-office manage its org chart.")
            )
        return view(request, *args, **kwargs)

    return wrapped


def _today() -> date:
    return timezone.localdate()


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _office(pk: int) -> Office:
    office = selectors.office_for_admin(pk)
    if office is None:
        raise Http404(gettext("There is no such office."))
    return office


def _post(pk: int) -> Post:
    post = selectors.post_for_admin(pk)
    if post is None:
        raise Http404(gettext("There is no such post."))
    return post


def _attempt(form: ServiceForm, action: Callable[[], Any]) -> Any | None:
    """Runs a service; on refusal shows its errors on the form and returns None."""
    try:
        return action()
    except ValidationError as error:
        form.add_service_error(error)
        return None


def _by(request: HttpRequest) -> dict[str, Any]:
    """The keyword arguments naming who makes a change and from where, for its OrgChange."""
    return {"actor": request.user, "origin": Origin.of(request)}


def _initial_id(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


# --- Overview ---------------------------------------------------------------------------------


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The whole chart as the administrator manages it: offices in a tree, their posts, and who
    holds or acts for each today."""
    today = _today()
    context = {
        "offices": selectors.chart_for_admin(today),
        "figures": selectors.chart_figures(today),
        "today": today,
    }
    return render(request, "eoffice/manage/index.html", context)


# --- Offices ----------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def office_create(request: HttpRequest) -> HttpResponse:
    form = OfficeCreateForm(
        request.POST or None, initial={"parent_id": _initial_id(request, "parent")}
    )
    if request.method == "POST" and form.is_valid():
        office = _attempt(form, lambda: services.create_office(**form.cleaned_data, **_by(request)))
        if office is not None:
            messages.success(request, gettext("%(office)s is created.") % {"office": office})
            return redirect(f"{reverse('manage:index')}#office-{office.pk}")
    return render(request, "eoffice/manage/office_create.html", {"form": form})


def _office_page(
    request: HttpRequest,
    office: Office,
    *,
    rename: OfficeRenameForm | None = None,
    move: OfficeMoveForm | None = None,
) -> HttpResponse:
    context = {
        "office": office,
        "rename_form": rename or OfficeRenameForm(initial={"name": office.name}),
        "move_form": move or OfficeMoveForm(office=office, initial={"parent_id": office.parent_id}),
        "posts": office.posts.select_related("reports_to").order_by("abbreviation"),
        "sections": office.children.order_by("code"),
    }
    return render(request, "eoffice/manage/office.html", context)


@admin_required
@require_GET
def office_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_page(request, _office(pk))


@admin_required
@require_POST
def office_rename(request: HttpRequest, pk: int) -> HttpResponse:
    office = _office(pk)
    form = OfficeRenameForm(request.POST)
    if form.is_valid():
        renamed = _attempt(
            form,
            lambda: services.rename_office(
                office_id=office.pk, name=form.cleaned_data["name"], **_by(request)
            ),
        )
        if renamed is not None:
            messages.success(
                request, gettext("The office is now called %(office)s.") % {"office": renamed}
            )
            return redirect("manage:office", pk=office.pk)
    return _office_page(request, office, rename=form)


@admin_required
@require_POST
def office_move(request: HttpRequest, pk: int) -> HttpResponse:
    office = _office(pk)
    form = OfficeMoveForm(request.POST, office=office)
    if form.is_valid():
        parent_id = form.cleaned_data["parent_id"]
        moved = _attempt(
            form,
            lambda: services.move_office(office_id=office.pk, parent_id=parent_id, **_by(request)),
        )
        if moved is not None:
            if moved.parent is None:
                text = gettext("%(office)s is now a top-level office.") % {"office": moved}
            else:
                text = gettext("%(office)s is now under %(parent)s.") % {
                    "office": moved,
                    "parent": moved.parent,
                }
            messages.success(request, text)
            return redirect("manage:office", pk=office.pk)
    return _office_page(request, office, move=form)


# --- Posts ------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None, initial={"office_id": _initial_id(request, "office")})
    if request.method == "POST" and form.is_valid():
        post = _attempt(form, lambda: services.create_post(**form.cleaned_data, **_by(request)))
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
    post = _post(pk)
    initial = {
        "abbreviation": post.abbreviation,
        "designation": post.designation,
        "office_id": post.office_id,
        "reports_to_id": post.reports_to_id,
    }
    form = PostForm(request.POST or None, post=post, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = _attempt(
            form,
            lambda: services.update_post(post_id=post.pk, **form.cleaned_data, **_by(request)),
        )
        if updated is not None:
            messages.success(
                request, gettext("%(post)s is saved.") % {"post": updated.abbreviation}
            )
            return redirect("manage:post", pk=post.pk)
    today = _today()
    delegations = list(selectors.delegations_of_post(post))
    for delegation in delegations:
        delegation.status = selectors.delegation_status(delegation, today)  # type: ignore[attr-defined]
    context = {
        "post": post,
        "form": form,
        "postings": selectors.postings_of_post(post, today),
        "delegations": delegations,
        "pending": selectors.pending_work(post),
        "subordinates": post.subordinates.order_by("abbreviation"),
        "today": today,
    }
    return render(request, "eoffice/manage/post.html", context)


# --- Postings, transfers and delegations ------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def posting_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(pk)
    postings = selectors.postings_of_post(post, _today())
    # A post that has a holder can only be given as additional charge besides (or transferred).
    form = PostingForm(
        request.POST or None, initial={"is_additional_charge": bool(postings.current)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        posting = _attempt(
            form,
            lambda: services.post_officer(
                post_id=post.pk,
                from_date=data["from_date"],
                is_additional_charge=data["is_additional_charge"],
                tenant=request.tenant,
                **form.officer,
                **_by(request),
            ),
        )
        if posting is not None:
            params = {
                "officer": posting.officer,
                "post": post.abbreviation,
                "date": _day(posting.from_date),
            }
            if posting.is_additional_charge:
                text = gettext("%(officer)s holds additional charge of %(post)s from %(date)s.")
            else:
                text = gettext("%(officer)s is posted to %(post)s from %(date)s.")
            messages.success(request, text % params)
            if form.officer["new_officer"] is not None:
                messages.info(request, _invited(posting.officer))
            return redirect("manage:post", pk=post.pk)
    context = {"post": post, "form": form, "postings": postings}
    return render(request, "eoffice/manage/posting_create.html", context)


def _invited(officer: User) -> str:
    return gettext("An invitation to set a password is e-mailed to %(email)s.") % {
        "email": officer.email
    }


@admin_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Gives the post to a new holder on a date; its pending work passes with it."""
    post = _post(pk)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            form,
            lambda: services.transfer_post(
                post_id=post.pk,
                on=data["on"],
                is_additional_charge=data["is_additional_charge"],
                tenant=request.tenant,
                **form.officer,
                **_by(request),
            ),
        )
        if done is not None:
            text = gettext("%(officer)s takes charge of %(post)s on %(date)s.") % {
                "officer": done.posting.officer,
                "post": post.abbreviation,
                "date": _day(done.posting.from_date),
            }
            passed = ngettext(
                "%(count)d pending receipt or file passes to them with the post.",
                "%(count)d pending receipts and files pass to them with the post.",
                done.pending_items,
            ) % {"count": done.pending_items}
            messages.success(request, f"{text} {passed}")
            if form.officer["new_officer"] is not None:
                messages.info(request, _invited(done.posting.officer))
            return redirect("manage:post", pk=post.pk)
    context = {
        "post": post,
        "form": form,
        "postings": selectors.postings_of_post(post, _today()),
        "pending": selectors.pending_work(post),
    }
    return render(request, "eoffice/manage/transfer.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def posting_end(request: HttpRequest, pk: int) -> HttpResponse:
    posting = selectors.posting_for_admin(pk)
    if posting is None:
        raise Http404(gettext("There is no such posting."))
    # A posting still to begin is cancelled by relieving on its first day.
    form = EndPostingForm(
        request.POST or None, initial={"relieved_on": max(_today(), posting.from_date)}
    )
    if request.method == "POST" and form.is_valid():
        relieved_on = form.cleaned_data["relieved_on"]
        ended = _attempt(
            form,
            lambda: services.end_posting(
                posting_id=posting.pk, relieved_on=relieved_on, **_by(request)
            ),
        )
        if ended is not None:
            messages.success(
                request,
                gettext("%(officer)s is relieved of %(post)s on %(date)s.")
                % {
                    "officer": posting.officer,
                    "post": posting.post.abbreviation,
                    "date": _day(relieved_on),
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


@admin_required
@require_http_methods(["GET", "POST"])
def delegation_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(pk)
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delegation = _attempt(
            form,
            lambda: services.delegate_post(post_id=post.pk, **form.cleaned_data, **_by(request)),
        )
        if delegation is not None:
            messages.success(
                request,
                gettext("%(officer)s acts for %(post)s from %(start)s to %(end)s.")
                % {
                    "officer": delegation.delegate,
                    "post": post.abbreviation,
                    "start": _day(delegation.from_date),
                    "end": _day(delegation.to_date),
                },
            )
            return redirect("manage:post", pk=post.pk)
    context = {"post": post, "form": form, "postings": selectors.postings_of_post(post, _today())}
    return render(request, "eoffice/manage/delegation_create.html", context)


@admin_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegation_for_admin(pk)
    if delegation is None:
        raise Http404(gettext("There is no such delegation."))
    try:
        services.revoke_delegation(delegation_id=delegation.pk, **_by(request))
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
    today = _today()
    listed = selectors.delegations_for_admin(today)
    for delegation in (*listed.in_force, *listed.upcoming, *listed.ended):
        delegation.status = selectors.delegation_status(delegation, today)  # type: ignore[attr-defined]
    return render(
        request, "eoffice/manage/delegations.html", {"delegations": listed, "today": today}
    )


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
            services.send_officer_invitation(tenant=request.tenant, officer=officer, **_by(request))
        except OSError:  # smtplib's errors included: the mail server is down or refuses
            logger.exception("Invitation to officer %s not sent", officer.pk)
            messages.error(
                request,
                gettext("The invitation could not be sent just now; please try again later."),
            )
        else:
            messages.success(request, _invited(officer))
    return back(request, reverse("manage:index"))


# --- CSV import -------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def import_chart(request: HttpRequest) -> HttpResponse:
    """Check, then apply, CSV tables in the sign-up survey's format. Every problem is shown by
    line; nothing is applied while any remains."""
    form = ImportForm(request.POST or None, request.FILES or None)
    plan: services.ImportPlan | None = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "apply":
            plan = _attempt(
                form,
                lambda: services.import_org_chart(
                    **form.tables, tenant=request.tenant, **_by(request)
                ),
            )
            if plan is not None:
                _report_import(request, plan)
                return redirect("manage:index")
        else:
            plan = _attempt(form, lambda: services.check_import(**form.tables))
    context = {
        "form": form,
        "plan": plan,
        "planned": [
            (TABLE_LABELS[name], plan.lines[name])
            for name in survey.TABLES
            if plan is not None and plan.lines.get(name)
        ],
        "templates": [(name, TABLE_LABELS[name]) for name in survey.TABLES],
    }
    return render(request, "eoffice/manage/import.html", context)


def _report_import(request: HttpRequest, plan: services.ImportPlan) -> None:
    if not plan.changes:
        messages.info(request, gettext("Nothing to change: every line is already in place."))
        return
    applied = ngettext(
        "Import applied: %(count)d change.", "Import applied: %(count)d changes.", plan.changes
    ) % {"count": plan.changes}
    kept = ngettext(
        "%(count)d line was already in place or kept as it is.",
        "%(count)d lines were already in place or kept as they are.",
        plan.unchanged,
    ) % {"count": plan.unchanged}
    messages.success(request, f"{applied} {kept}" if plan.unchanged else applied)
    if plan.new_accounts:
        invited = ngettext(
            "%(count)d new officer is invited by e-mail to set a password.",
            "%(count)d new officers are invited by e-mail to set a password.",
            len(plan.new_accounts),
        ) % {"count": len(plan.new_accounts)}
        messages.info(request, invited)


@admin_required
@require_GET
def import_template(request: HttpRequest, table: str) -> HttpResponse:
    """A CSV file with the table's columns and example rows, to fill in a spreadsheet."""
    spec = survey.TABLES.get(table)
    if spec is None:
        raise Http404(gettext("There is no such table."))
    response = HttpResponse(spec.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-template.csv"'
    return response
