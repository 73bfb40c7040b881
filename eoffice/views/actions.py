"""The actions taken on a receipt or file from its page. Each is a POST that calls one service
and comes back with a message; a refusal (eoffice.errors.Refused) becomes the 403 page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eoffice.errors import Invalid
from eoffice.forms import AttachForm, MoveForm, NoteForm, PutInFileForm, ReasonForm, RemarksForm
from eoffice.models import Item
from eoffice.selectors.access import Desk
from eoffice.services import files, movement, notes, receipts
from eoffice.services.audit import Origin
from eoffice.services.files import FileDetails
from eoffice.views.common import desk_for, is_htmx, item_url, report_form_errors


def _run(request: HttpRequest, action: Callable[[Desk, Origin], str], then: str) -> HttpResponse:
    try:
        message = action(desk_for(request), Origin.of(request))
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return redirect(then)


@login_required
@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    form = MoveForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))
    data = form.cleaned_data

    def act(desk: Desk, origin: Origin) -> str:
        moved = movement.forward(
            desk=desk,
            item_id=pk,
            to_post_id=data["to_post"].pk,
            remarks=data["remarks"],
            due_date=data["due_date"],
            draft_for_receiver=data["draft_for_receiver"],
            origin=origin,
        )
        return _("Sent %(reference)s to %(post)s.") % {
            "reference": moved.item.reference,
            "post": moved.to_post.abbreviation,
        }

    return _run(request, act, reverse("inbox"))


@login_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    form = RemarksForm(request.POST)
    remarks = form.cleaned_data["remarks"] if form.is_valid() else ""

    def act(desk: Desk, origin: Origin) -> str:
        moved = movement.send_back(desk=desk, item_id=pk, remarks=remarks, origin=origin)
        return _("Returned %(reference)s to %(post)s.") % {
            "reference": moved.item.reference,
            "post": moved.to_post.abbreviation,
        }

    return _run(request, act, reverse("inbox"))


@login_required
@require_POST
def pull_back(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin) -> str:
        moved = movement.pull_back(desk=desk, item_id=pk, origin=origin)
        return _("Pulled %(reference)s back from %(post)s.") % {
            "reference": moved.item.reference,
            "post": moved.from_post.abbreviation,
        }

    return _run(request, act, item_url(pk))


@login_required
@require_POST
def park(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin) -> str:
        file = files.park(desk=desk, file_id=pk, origin=origin)
        return _("Parked %(reference)s. It is in your Parked tray.") % {"reference": file.reference}

    return _run(request, act, item_url(pk))


@login_required
@require_POST
def unpark(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin) -> str:
        file = files.unpark(desk=desk, file_id=pk, origin=origin)
        return _("%(reference)s is back with you.") % {"reference": file.reference}

    return _run(request, act, item_url(pk))


def _with_reason(
    request: HttpRequest, pk: int, action: Callable[[Desk, Origin, str], str]
) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))
    reason = form.cleaned_data["reason"]
    return _run(request, lambda desk, origin: action(desk, origin, reason), item_url(pk))


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin, reason: str) -> str:
        if request.POST.get("kind") == "receipt":
            item: Item = receipts.close_receipt(
                desk=desk, receipt_id=pk, reason=reason, origin=origin
            )
        else:
            item = files.close_file(desk=desk, file_id=pk, reason=reason, origin=origin)
        return _("Closed %(reference)s.") % {"reference": item.reference}

    return _with_reason(request, pk, act)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin, reason: str) -> str:
        file = files.reopen_file(desk=desk, file_id=pk, reason=reason, origin=origin)
        return _("Reopened %(reference)s; it is with you.") % {"reference": file.reference}

    return _with_reason(request, pk, act)


@login_required
@require_POST
def put_in_file(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for(request)
    chosen = request.POST.get("file") or ""
    form = PutInFileForm(request.POST, files=[(int(chosen), chosen)] if chosen.isdigit() else [])
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))
    data = form.cleaned_data
    new_file = None
    if data.get("new_subject"):
        new_file = FileDetails(subject=data["new_subject"], category_id=data["category"].pk)
    try:
        file = receipts.put_in_file(
            desk=desk,
            receipt_id=pk,
            file_id=data.get("file") or None,
            new_file=new_file,
            origin=Origin.of(request),
        )
    except Invalid as error:
        messages.error(request, str(error))
        return redirect(item_url(pk))
    messages.success(
        request, _("The receipt is now in file %(reference)s.") % {"reference": file.reference}
    )
    return redirect(item_url(file.pk))


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk) + "#correspondence")
    upload = form.cleaned_data["document"]

    def act(desk: Desk, origin: Origin) -> str:
        entry = files.attach_document(
            desk=desk,
            file_id=pk,
            stream=upload,
            name=upload.name,
            title=form.cleaned_data["title"],
            origin=origin,
        )
        return _("Added “%(title)s” as pages %(first)s-%(last)s.") % {
            "title": entry.title,
            "first": entry.first_page,
            "last": entry.last_page,
        }

    return _run(request, act, item_url(pk) + "#correspondence")


@login_required
@require_POST
def save_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Saves the officer's draft note; with htmx, answers with the draft panel only."""
    desk = desk_for(request)
    form = NoteForm(request.POST)
    error, note = "", None
    if form.is_valid():
        try:
            note = notes.save_draft(
                desk=desk, file_id=pk, body=form.cleaned_data["body"], origin=Origin.of(request)
            )
        except Invalid as invalid:
            error = str(invalid)
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if is_htmx(request):
        context = {"item_pk": pk, "own_draft": note, "note_form": form, "note_error": error}
        # 200 even with an error: htmx swaps only successful responses, and the panel carries
        # the error next to the officer's unsaved text.
        return render(request, "eoffice/_draft.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Draft note saved. It is sent when the file moves on."))
    return redirect(item_url(pk) + "#draft")


@login_required
@require_POST
def change_draft(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    """Edits or discards a draft sent to this officer by a subordinate (or their own)."""
    desk, origin = desk_for(request), Origin.of(request)
    if request.POST.get("discard"):
        notes.discard_draft(desk=desk, note_id=note_pk, origin=origin)
        messages.success(request, _("The draft note was discarded."))
    else:
        form = NoteForm(request.POST)
        if not form.is_valid():
            report_form_errors(request, form)
            return redirect(item_url(pk))
        try:
            notes.edit_draft(
                desk=desk, note_id=note_pk, body=form.cleaned_data["body"], origin=origin
            )
        except Invalid as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The draft note was saved."))
    return redirect(item_url(pk) + f"#note-{note_pk}")
