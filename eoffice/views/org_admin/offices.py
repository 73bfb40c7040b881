"""Offices and sections: create, rename, move."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eoffice.models import Office
from eoffice.org_forms import OfficeCreateForm, OfficeMoveForm, OfficeRenameForm
from eoffice.services import org_chart as services
from eoffice.views.org_admin.common import admin_required, attempt, by, initial_id, office_or_404


@admin_required
@require_http_methods(["GET", "POST"])
def office_create(request: HttpRequest) -> HttpResponse:
    form = OfficeCreateForm(
        request.POST or None, initial={"parent_id": initial_id(request, "parent")}
    )
    if request.method == "POST" and form.is_valid():
        office = attempt(form, lambda: services.create_office(**form.cleaned_data, **by(request)))
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
    return _office_page(request, office_or_404(pk))


@admin_required
@require_POST
def office_rename(request: HttpRequest, pk: int) -> HttpResponse:
    office = office_or_404(pk)
    form = OfficeRenameForm(request.POST)
    if form.is_valid():
        renamed = attempt(
            form,
            lambda: services.rename_office(
                office_id=office.pk, name=form.cleaned_data["name"], **by(request)
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
    office = office_or_404(pk)
    form = OfficeMoveForm(request.POST, office=office)
    if form.is_valid():
        parent_id = form.cleaned_data["parent_id"]
        moved = attempt(
            form,
            lambda: services.move_office(office_id=office.pk, parent_id=parent_id, **by(request)),
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
