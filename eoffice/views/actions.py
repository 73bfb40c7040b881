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

from eoffice.errors import Invalid, Refused
from eoffice.forms import (
    AttachForm,
    CloseForm,
    MoveForm,
    NoteBoxForm,
    NoteForm,
    ParkForm,
    PutInFileForm,
    ReasonForm,
    RemarksForm,
)
from eoffice.models import Item
from eoffice.selectors import items as notes_selectors
from eoffice.selectors.access import Desk
from eoffice.services import files, movement, notes, receipts
from eoffice.services.audit import Origin
from eoffice.services.files import FileDetails
from eoffice.views.common import desk_for, is_htmx, item_url, report_form_errors
from eoffice.views.items import render_item


def _run(
    request: HttpRequest,
    action: Callable[[Desk, Origin], str],
    then: str,
    *,
    note_box: NoteBoxForm | None = None,
    panel: str = "",
    pk: int | None = None,
) -> HttpResponse:
    try:
        message = action(desk_for(request), Origin.of(request))
    except notes.UnsavedNote as error:
        # The page again, the officer's text still in its box and the panel open: nothing they
        # typed is dropped, and nothing is signed that they did not choose to send.
        messages.error(request, str(error))
        assert note_box is not None and pk is not None
        return render_item(
            request, pk, typed_note=note_box.typed_note(), open_panel=panel, status=409
        )
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
            typed_note=form.typed_note(),
            note_choice=form.chosen_for_note(),
            origin=origin,
        )
        return _("Sent %(reference)s to %(post)s.") % {
            "reference": moved.item.reference,
            "post": moved.to_post.abbreviation,
        }

    return _run(request, act, reverse("inbox"), note_box=form, panel="forward", pk=pk)


@login_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    form = RemarksForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))

    def act(desk: Desk, origin: Origin) -> str:
        moved = movement.send_back(
            desk=desk,
            item_id=pk,
            remarks=form.cleaned_data["remarks"],
            typed_note=form.typed_note(),
            note_choice=form.chosen_for_note(),
            origin=origin,
        )
        return _("Returned %(reference)s to %(post)s.") % {
            "reference": moved.item.reference,
            "post": moved.to_post.abbreviation,
        }

    return _run(request, act, reverse("inbox"), note_box=form, panel="return", pk=pk)


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
    form = ParkForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))

    def act(desk: Desk, origin: Origin) -> str:
        file = files.park(desk=desk, file_id=pk, typed_note=form.typed_note(), origin=origin)
        return _("Parked %(reference)s. It is in your Parked tray.") % {"reference": file.reference}

    return _run(request, act, item_url(pk))


@login_required
@require_POST
def unpark(request: HttpRequest, pk: int) -> HttpResponse:
    def act(desk: Desk, origin: Origin) -> str:
        file = files.unpark(desk=desk, file_id=pk, origin=origin)
        return _("%(reference)s is back with you.") % {"reference": file.reference}

    return _run(request, act, item_url(pk))


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))
    reason = form.cleaned_data["reason"]

    def act(desk: Desk, origin: Origin) -> str:
        if request.POST.get("kind") == "receipt":
            item: Item = receipts.close_receipt(
                desk=desk, receipt_id=pk, reason=reason, origin=origin
            )
        else:
            item = files.close_file(
                desk=desk,
                file_id=pk,
                reason=reason,
                typed_note=form.typed_note(),
                note_choice=form.chosen_for_note(),
                origin=origin,
            )
        return _("Closed %(reference)s.") % {"reference": item.reference}

    return _run(request, act, item_url(pk), note_box=form, panel="close", pk=pk)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        report_form_errors(request, form)
        return redirect(item_url(pk))
    reason = form.cleaned_data["reason"]

    def act(desk: Desk, origin: Origin) -> str:
        file = files.reopen_file(desk=desk, file_id=pk, reason=reason, origin=origin)
        return _("Reopened %(reference)s; it is with you.") % {"reference": file.reference}

    return _run(request, act, item_url(pk))


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
    """Saves the officer's draft note; with htmx, answers with the draft panel only, or (the
    box saving itself as they type, `autosave`) with its "saved" line only."""
    desk = desk_for(request)
    form = NoteForm(request.POST)
    autosave = is_htmx(request) and request.POST.get("autosave") == "1"
    error, note = "", None
    if form.is_valid():
        try:
            note = notes.save_draft(
                desk=desk, file_id=pk, body=form.cleaned_data["body"], origin=Origin.of(request)
            )
        except Invalid as invalid:
            error = str(invalid)
        except Refused as refused:
            if not autosave:
                raise
            error = str(refused)  # said beside the box; retrying would not help
    elif autosave and not (request.POST.get("body") or "").strip():
        # An emptied box is not saved (only Discard removes a draft); say so, not an error.
        error = _("an empty note is not saved; use Discard to remove your draft")
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if note is None:
        note = notes_selectors.own_draft(desk, pk)
    if autosave:
        context: dict[str, object] = {"item_pk": pk, "own_draft": note, "autosave_error": error}
        # 200 even with an error: htmx swaps only successful responses.
        return render(request, "eoffice/_draft_autosave.html", context)
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
