"""The page of one receipt or file, its history, and its documents."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from eoffice.errors import Refused
from eoffice.forms import (
    AttachForm,
    CloseForm,
    MoveForm,
    NoteForm,
    ParkForm,
    PutInFileForm,
    ReasonForm,
    RemarksForm,
)
from eoffice.models import File, Item, Note
from eoffice.selectors import items as selectors
from eoffice.selectors.access import Desk, acting_post
from eoffice.selectors.org_chart import post_choices
from eoffice.services import audit, documents, movement
from eoffice.services.audit import Origin
from eoffice.services.custody import NOT_FOUND
from eoffice.views.common import desk_for


def _visible(request: HttpRequest, desk: Desk, pk: int) -> Item:
    item = selectors.item_for(desk, pk)
    if item is None:
        audit.record_refusal(
            officer=desk.officer, item_id=pk, origin=Origin.of(request), what=request.path
        )
        raise Refused(str(NOT_FOUND))
    return item


@login_required
def item_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_item(request, pk)


def render_item(
    request: HttpRequest,
    pk: int,
    *,
    typed_note: str | None = None,
    open_panel: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page of a receipt or file. A movement refused for the note box's unsaved text comes
    back here with that text (`typed_note`) in the box and its panel (`open_panel`) open, so
    nothing the officer typed is lost."""
    desk = desk_for(request)
    item = _visible(request, desk, pk)
    movement.open_item(desk=desk, item=item, origin=Origin.of(request))
    can = selectors.abilities(desk, item)
    context: dict[str, object] = {
        "item": item,
        "item_pk": item.pk,
        "can": can,
        "holder": acting_post(desk, item),
        "timeline": selectors.timeline(item),
        "closure": selectors.closure(item) if item.tray == Item.Tray.CLOSED else None,
        # Several forms on one page: ids of their own, so each label points at its field.
        "move_form": MoveForm(auto_id="move_%s"),
        "post_choices": post_choices() if can["move"] else [],
        "remarks_form": RemarksForm(auto_id="return_%s"),
        "close_form": CloseForm(auto_id="close_%s"),
        "park_form": ParkForm(auto_id="park_%s"),
        "reopen_form": ReasonForm(auto_id="reopen_%s"),
        "open_panel": open_panel,
        "today": timezone.localdate(),
    }
    if isinstance(item, File):
        notes = selectors.visible_notes(desk, item)
        own_draft = next(
            (
                n
                for n in notes
                if n.status == Note.Status.DRAFT
                and n.author_id == desk.officer.pk
                and n.draft_for_post_id is None
            ),
            None,
        )
        note_text = typed_note if typed_note is not None else own_draft.body if own_draft else ""
        context.update(
            notes=[n for n in notes if n is not own_draft],
            own_draft=own_draft,
            note_text=note_text,
            note_unsaved=typed_note is not None,
            note_form=NoteForm(initial={"body": note_text}, auto_id="note_%s"),
            correspondence=selectors.correspondence(desk, item),
            attach_form=AttachForm(),
            desk_ids=desk.ids_for(item),
        )
        return render(request, "eoffice/file.html", context, status=status)
    files = (
        [
            (f.pk, f"{f.reference} · {f.subject[:80]}")
            for f in selectors.files_to_put_in(desk, item.holder_post_id)
        ]
        if can["put_in_file"]
        else []
    )
    context["put_in_file_form"] = PutInFileForm(files=files)
    return render(request, "eoffice/receipt.html", context, status=status)


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for(request)
    item = _visible(request, desk, pk)
    context = {
        "item": item,
        "entries": selectors.history(item),
        "timeline": selectors.timeline(item),
    }
    return render(request, "eoffice/history.html", context)


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A stored document, if it belongs to a receipt or file the officer may see."""
    desk = desk_for(request)
    found = selectors.document_for(desk, pk)
    if found is None:
        raise Refused(gettext("There is no such document, or you may not see it."))
    stored, holder = found
    if holder.is_graded:
        audit.record_view(
            officer=desk.officer,
            post=acting_post(desk, holder),
            item=holder,
            origin=Origin.of(request),
            detail=f"Document “{stored.original_name}” opened",
        )
    response = FileResponse(
        documents.open_document(stored),
        content_type=stored.content_type,
        as_attachment=not stored.content_type.startswith(("application/pdf", "image/")),
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
