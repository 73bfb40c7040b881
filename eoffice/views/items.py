"""The page of one receipt or file, its history, and its documents."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from eoffice.errors import Refused
from eoffice.forms import AttachForm, MoveForm, NoteForm, PutInFileForm, ReasonForm, RemarksForm
from eoffice.models import CorrespondenceEntry, File, Item, Note, Receipt
from eoffice.selectors import items as selectors
from eoffice.selectors.access import Desk, acting_post, can_see
from eoffice.selectors.org_chart import post_choices
from eoffice.services import audit, documents, movement
from eoffice.services.audit import Origin
from eoffice.services.custody import NOT_FOUND
from eoffice.services.files import chain_above
from eoffice.states import MOVABLE
from eoffice.views.common import desk_for


def _visible(request: HttpRequest, desk: Desk, pk: int) -> Item:
    item = selectors.item_for(desk, pk)
    if item is None:
        audit.record_refusal(
            officer=desk.officer, item_id=pk, origin=Origin.of(request), what=request.path
        )
        raise Refused(str(NOT_FOUND))
    return item


def _abilities(desk: Desk, item: Item) -> dict[str, bool]:
    """Which actions the page offers; the services check each again when it is taken."""
    holder = acting_post(desk, item)
    last = item.last_movement
    tray = item.tray
    chain = set(chain_above(item.created_post)) if item.kind == Item.Kind.FILE else set()
    may_close_here = holder is not None and holder.pk in chain
    return {
        "holds": holder is not None,
        "move": holder is not None and tray in MOVABLE[item.kind],
        "send_back": holder is not None
        and tray in MOVABLE[item.kind]
        and last is not None
        and last.to_post_id == holder.pk,
        "pull_back": last is not None
        and tray == Item.Tray.INBOX
        and desk.holds(last.from_post_id)
        and item.holder_post_id == last.to_post_id
        and last.read_at is None,
        "park": holder is not None and item.kind == Item.Kind.FILE and tray == Item.Tray.INBOX,
        "unpark": holder is not None and tray == Item.Tray.PARKED,
        "close_file": may_close_here and tray in (Item.Tray.INBOX, Item.Tray.PARKED),
        "reopen": tray == Item.Tray.CLOSED
        and item.kind == Item.Kind.FILE
        and bool(chain & desk.ids_for(item)),
        "close_receipt": holder is not None
        and item.kind == Item.Kind.RECEIPT
        and tray == Item.Tray.INBOX,
        "put_in_file": holder is not None
        and item.kind == Item.Kind.RECEIPT
        and tray == Item.Tray.INBOX,
        "write": holder is not None and item.kind == Item.Kind.FILE and tray != Item.Tray.CLOSED,
    }


@login_required
def item_page(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for(request)
    item = _visible(request, desk, pk)
    movement.open_item(desk=desk, item=item, origin=Origin.of(request))
    can = _abilities(desk, item)
    context: dict[str, object] = {
        "item": item,
        "item_pk": item.pk,
        "can": can,
        "holder": acting_post(desk, item),
        "movements": list(selectors.movements(item)),
        # Several forms on one page: ids of their own, so each label points at its field.
        "move_form": MoveForm(auto_id="move_%s"),
        "post_choices": post_choices() if can["move"] else [],
        "remarks_form": RemarksForm(auto_id="return_%s"),
        "reason_form": ReasonForm(auto_id="reason_%s"),
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
        context.update(
            notes=[n for n in notes if n is not own_draft],
            own_draft=own_draft,
            note_form=NoteForm(initial={"body": own_draft.body if own_draft else ""}),
            correspondence=selectors.correspondence(desk, item),
            attach_form=AttachForm(),
            desk_ids=desk.ids_for(item),
        )
        return render(request, "eoffice/file.html", context)
    files = (
        [
            (f.pk, f"{f.reference} · {f.subject[:80]}")
            for f in selectors.files_to_put_in(desk, item.holder_post_id)
        ]
        if can["put_in_file"]
        else []
    )
    context["put_in_file_form"] = PutInFileForm(files=files)
    return render(request, "eoffice/receipt.html", context)


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for(request)
    item = _visible(request, desk, pk)
    context = {
        "item": item,
        "entries": selectors.history(item),
        "movements": selectors.movements(item),
    }
    return render(request, "eoffice/history.html", context)


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored document, if it belongs to a receipt or file the officer may see."""
    desk = desk_for(request)
    receipt = Receipt.objects.filter(document_id=pk).first()
    entry = CorrespondenceEntry.objects.filter(document_id=pk).select_related("document").first()
    holder: Item | None = receipt or (entry.file if entry else None)
    if holder is None or not can_see(desk, holder):
        raise Refused(gettext("There is no such document, or you may not see it."))
    stored = receipt.document if receipt else entry.document  # type: ignore[union-attr]
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
