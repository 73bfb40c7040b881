"""The e-office screens through Django's request handling: the journey, refusals and language."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from eoffice.models import AuditEntry, Item, Note
from tests.conftest import World
from tests.eoffice.chart import Chart, pdf_bytes

pytestmark = pytest.mark.django_db


def client_as(world: World, chart: Chart, who: str) -> Client:
    client = Client(HTTP_HOST=world.punjab.host)
    client.force_login(chart.officers[who])
    return client


def test_receipt_to_file_to_deputy_secretary_and_back(world: World, chart: Chart) -> None:
    so = client_as(world, chart, "so")
    letter = BytesIO(pdf_bytes(2))
    letter.name = "letter.pdf"
    response = so.post(
        reverse("receipt_new"),
        {
            "post": chart.post("SO(Admin)").pk,
            "mode": "electronic",
            "letter": letter,
            "pages": 1,
            "sender_name": "DEO Lahore",
            "letter_date": "2026-11-01",
            "received_date": "2026-11-20",
            "subject": "School repairs",
            "category": chart.category.pk,
            "grading": "normal",
            "priority": 2,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    receipt = Item.objects.get(kind="receipt")
    page = so.get(response["Location"])
    assert b"School repairs" in page.content

    response = so.post(
        reverse("item_put_in_file", args=[receipt.pk]),
        {"new_subject": "School repairs 2026", "category": chart.category.pk},
    )
    file = Item.objects.get(kind="file")
    assert response["Location"] == reverse("item", args=[file.pk])
    page = so.get(response["Location"])
    assert b'pp. <bdi dir="ltr">1\xe2\x80\x932</bdi>' in page.content
    assert b"School repairs 2026" in page.content

    so.post(reverse("item_note", args=[file.pk]), {"body": "Submitted for approval."})
    response = so.post(
        reverse("item_forward", args=[file.pk]),
        {"to_post": chart.post("DS(Admin)").pk, "remarks": "Please see"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("inbox")

    ds = client_as(world, chart, "ds")
    inbox = ds.get(reverse("inbox"))
    assert file.reference.encode() in inbox.content
    assert ds.get(reverse("item", args=[file.pk])).status_code == 200
    ds.post(reverse("item_note", args=[file.pk]), {"body": "Approved."}, HTTP_HX_REQUEST="true")
    ds.post(reverse("item_return", args=[file.pk]), {"remarks": "Approved"})

    page = so.get(reverse("item", args=[file.pk]))
    text = page.content.decode()
    assert "Submitted for approval." in text and "Approved." in text
    assert Note.objects.filter(file_id=file.pk, status="sent").count() == 2
    assert text.count('class="note note-sent"') == 2
    history = so.get(reverse("item_history", args=[file.pk])).content.decode()
    assert "Returned" in history and "Forwarded" in history


def test_an_officer_who_never_held_the_item_gets_403(world: World, chart: Chart) -> None:
    so = client_as(world, chart, "so")
    so.post(
        reverse("file_new"),
        {
            "post": chart.post("SO(Admin)").pk,
            "subject": "Private",
            "category": chart.category.pk,
            "grading": "normal",
            "priority": 0,
        },
    )
    file = Item.objects.get(kind="file")
    other = client_as(world, chart, "sob")
    assert other.get(reverse("item", args=[file.pk])).status_code == 403
    assert other.post(reverse("item_park", args=[file.pk])).status_code == 403
    assert file.reference.encode() not in other.get(reverse("inbox") + "?tray=inbox").content
    refused = AuditEntry.objects.get(item=file, action="refused")
    assert refused.officer == chart.officers["sob"]
    # A number that names no item is refused in the same words, and records nothing.
    missing = other.get(reverse("item", args=[file.pk + 1000]))
    assert missing.status_code == 403
    assert AuditEntry.objects.filter(action="refused").count() == 1


def test_inbox_register_and_forms_render_in_urdu_right_to_left(world: World, chart: Chart) -> None:
    so = client_as(world, chart, "so")
    so.post(reverse("switch_language"), {"language": "ur", "next": reverse("inbox")})
    with schema_context(world.punjab.tenant.schema_name):
        chart.officers["so"].refresh_from_db()
        assert chart.officers["so"].language == "ur"
    for url in (reverse("inbox"), reverse("register"), reverse("receipt_new"), reverse("file_new")):
        page = so.get(url)
        assert page.status_code == 200
        assert b'dir="rtl"' in page.content and b'lang="ur"' in page.content


def test_documents_open_only_for_those_who_may_see_their_item(world: World, chart: Chart) -> None:
    from eoffice.services import receipts
    from eoffice.services.receipts import Upload
    from tests.eoffice.chart import ORIGIN, receipt_details

    receipt = receipts.register_receipt(
        desk=chart.desk("so"),
        details=receipt_details(chart, mode="electronic", grading="confidential"),
        upload=Upload(BytesIO(pdf_bytes(1)), "confidential.pdf"),
        origin=ORIGIN,
    )
    url = reverse("document", args=[receipt.document_id])
    response = client_as(world, chart, "so").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]  # a FileResponse
    assert AuditEntry.objects.filter(item=receipt, action="view").count() == 1
    assert client_as(world, chart, "sob").get(url).status_code == 403


def test_a_secret_receipt_in_a_file_is_withheld_from_posts_it_was_not_marked_to(
    world: World, chart: Chart
) -> None:
    from eoffice.services import movement, receipts
    from tests.eoffice.chart import ORIGIN, file_details, receipt_details

    so = chart.desk("so")
    receipt = receipts.register_receipt(
        desk=so,
        details=receipt_details(chart, grading="secret", subject="Names of the informants"),
        origin=ORIGIN,
    )
    file = receipts.put_in_file(
        desk=so,
        receipt_id=receipt.pk,
        new_file=file_details(chart, grading="secret", subject="Inquiry"),
        origin=ORIGIN,
    )
    movement.forward(desk=so, item_id=file.pk, to_post_id=chart.post("DS(Admin)").pk, origin=ORIGIN)
    at_ds = client_as(world, chart, "ds").get(reverse("item", args=[file.pk])).content.decode()
    assert "Names of the informants" not in at_ds
    assert "Secret receipt: not shown to you" in at_ds
    at_so = client_as(world, chart, "so").get(reverse("item", args=[file.pk])).content.decode()
    assert "Names of the informants" in at_so


def test_saving_a_draft_with_htmx_swaps_in_the_panel_with_any_error(
    world: World, chart: Chart
) -> None:
    from tests.eoffice.chart import open_file

    file = open_file(chart, "so")
    so = client_as(world, chart, "so")
    url = reverse("item_note", args=[file.pk])
    saved = so.post(url, {"body": "Put up."}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Your draft note" in saved.content.decode()
    empty = so.post(url, {"body": "   "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200  # htmx swaps only successful answers
    assert 'class="errorlist"' in empty.content.decode()


# --- The note box travels with every movement of the file (issue 9, point 5) ---


def _file_at(world: World, chart: Chart, action: str) -> tuple[Item, str, Client]:
    """A file the acting officer holds: SO's own, or (to return) one SO sent to DS."""
    from tests.eoffice.chart import open_file, send

    file = open_file(chart, "so")
    if action == "return":
        send(chart, "so", file, "DS(Admin)")
        return file, "ds", client_as(world, chart, "ds")
    return file, "so", client_as(world, chart, "so")


def _movement_post(chart: Chart, action: str, file: Item) -> tuple[str, dict[str, object]]:
    url = reverse(f"item_{action}", args=[file.pk])
    data: dict[str, dict[str, object]] = {
        "forward": {"to_post": chart.post("DS(Admin)").pk},
        "return": {"remarks": "Seen"},
        "close": {"reason": "Settled", "kind": "file"},
        "park": {},
    }
    return url, data[action]


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_a_typed_unsaved_note_is_signed_with_the_movement(
    world: World, chart: Chart, action: str
) -> None:
    file, who, client = _file_at(world, chart, action)
    url, data = _movement_post(chart, action, file)
    response = client.post(url, {**data, "note": "Typed, not saved.", "note_choice": "send"})
    assert response.status_code == 302
    note = Note.objects.get(file_id=file.pk, author=chart.officers[who])
    assert (note.status, note.body) == ("sent", "Typed, not saved.")


@pytest.mark.parametrize("action", ["forward", "return", "close", "park"])
def test_a_typed_note_kept_as_draft_survives_the_movement(
    world: World, chart: Chart, action: str
) -> None:
    file, who, client = _file_at(world, chart, action)
    url, data = _movement_post(chart, action, file)
    response = client.post(url, {**data, "note": "Keep me.", "note_choice": "keep"})
    assert response.status_code == 302
    note = Note.objects.get(file_id=file.pk, author=chart.officers[who])
    assert (note.status, note.body) == ("draft", "Keep me.")


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_a_typed_note_with_no_choice_comes_back_in_its_box_and_nothing_moves(
    world: World, chart: Chart, action: str
) -> None:
    from eoffice.services import notes
    from tests.eoffice.chart import ORIGIN

    file, who, client = _file_at(world, chart, action)
    notes.save_draft(desk=chart.desk(who), file_id=file.pk, body="Saved.", origin=ORIGIN)
    holder, tray = Item.objects.values_list("holder_post_id", "tray").get(pk=file.pk)
    url, data = _movement_post(chart, action, file)
    response = client.post(url, {**data, "note": "Typed after saving <b>."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Typed after saving &lt;b&gt;.</textarea>" in page
    assert f'aria-expanded="true" aria-controls="panel-{action}"' in page
    assert "not saved yet" in page
    assert Item.objects.values_list("holder_post_id", "tray").get(pk=file.pk) == (holder, tray)
    assert Note.objects.get(file_id=file.pk).body == "Saved."


def test_the_file_page_offers_the_note_choice_in_every_movement_panel(
    world: World, chart: Chart
) -> None:
    from eoffice.services import notes
    from tests.eoffice.chart import ORIGIN, open_file

    file = open_file(chart, "so")
    page = client_as(world, chart, "so").get(reverse("item", args=[file.pk])).content.decode()
    # No note yet: the choices are there (so they appear as soon as the officer types), hidden.
    assert page.count("data-note-choice hidden") == 2  # forward and close
    assert page.count("data-note-copy") == 3  # forward, close and park carry the box
    notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="Saved.", origin=ORIGIN)
    page = client_as(world, chart, "so").get(reverse("item", args=[file.pk])).content.decode()
    assert page.count("data-note-choice hidden") == 0
    assert 'value="draft"' in page and "Send it as a draft" in page
    assert page.count('name="note" value="Saved."') == 3


def test_the_draft_saves_itself_and_says_when(world: World, chart: Chart) -> None:
    from tests.eoffice.chart import open_file

    file = open_file(chart, "so")
    so = client_as(world, chart, "so")
    url = reverse("item_note", args=[file.pk])
    saved = so.post(url, {"body": "Half a tho", "autosave": "1"}, HTTP_HX_REQUEST="true")
    text = saved.content.decode()
    assert saved.status_code == 200 and 'id="draft-head"' in text and "Saved at" in text
    assert 'id="draft-discard" hx-swap-oob="true"' in text and "Discard" in text
    assert "<textarea" not in text  # the box being typed in is never replaced
    assert Note.objects.get(file_id=file.pk).body == "Half a tho"
    empty = so.post(url, {"body": "  ", "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "an empty note is not saved" in empty.content.decode()
    assert Note.objects.get(file_id=file.pk).body == "Half a tho"
    # Someone who does not hold the file is told so beside the box (no endless retrying).
    other = client_as(world, chart, "sob")
    refused = other.post(url, {"body": "Mine", "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "Not saved" in refused.content.decode()
    assert Note.objects.filter(file_id=file.pk).count() == 1


# --- Top bar, closed files, and what the movement shows (issue 9, point 14) ---


def _topbar(page: str) -> str:
    return page[page.index('<header class="topbar">') : page.index("</header>")]


def test_the_top_bar_shows_the_officers_posts_not_their_email(world: World, chart: Chart) -> None:
    from tests.eoffice.chart import give_post

    give_post(chart, "so", "SO(Budget)")
    so = chart.officers["so"]
    bar = _topbar(client_as(world, chart, "so").get(reverse("inbox")).content.decode())
    assert so.email not in bar
    assert '<bdi title="Section Officer (Admin)">SO(Admin)</bdi>' in bar
    assert '<bdi title="Section Officer (Budget)">SO(Budget)</bdi> (additional charge)' in bar


def test_a_closed_file_says_who_closed_it_when_and_why_and_its_movement_shows_it(
    world: World, chart: Chart
) -> None:
    from eoffice.services import files
    from tests.eoffice.chart import ORIGIN, open_file

    file = open_file(chart, "so")
    so_desk = chart.desk("so")
    files.park(desk=so_desk, file_id=file.pk, origin=ORIGIN)
    files.unpark(desk=so_desk, file_id=file.pk, origin=ORIGIN)
    files.close_file(desk=so_desk, file_id=file.pk, reason="Sanction issued", origin=ORIGIN)
    page = client_as(world, chart, "so").get(reverse("item", args=[file.pk])).content.decode()
    banner = page[page.index('class="closed-banner"') : page.index('class="file-portions"')]
    so = chart.officers["so"]
    assert f"Closed by <bdi>{so.full_name}</bdi> (<bdi>SO(Admin)</bdi>) on <time>" in banner
    assert "Sanction issued" in banner
    files.reopen_file(desk=so_desk, file_id=file.pk, reason="Audit objection", origin=ORIGIN)
    page = client_as(world, chart, "so").get(reverse("item", args=[file.pk])).content.decode()
    assert 'class="closed-banner"' not in page
    timeline = page[page.index('id="movements"') :]
    order = [
        timeline.index(f'class="in-place in-place-{action}"')
        for action in ("park", "unpark", "close", "reopen")
    ]
    assert order == sorted(order)
    assert "<strong>Parked</strong>" in timeline and "<strong>Reopened</strong>" in timeline
    assert "“Sanction issued”" in timeline and "“Audit objection”" in timeline
    history = client_as(world, chart, "so").get(reverse("item_history", args=[file.pk]))
    assert 'class="in-place in-place-close"' in history.content.decode()


@pytest.mark.parametrize("language", ["en", "ur"])
def test_dates_are_read_and_shown_day_first_in_both_languages(language: str) -> None:
    from datetime import date

    from django.utils import translation

    from eoffice.forms import MoveForm

    with translation.override(language):
        form = MoveForm(data={"due_date": "03/04/2099"})
        form.is_valid()
        assert form.cleaned_data["due_date"] == date(2099, 4, 3)  # 3 April, not 4 March
        bound = MoveForm(initial={"due_date": date(2099, 4, 3)}, auto_id="move_%s")
        field = str(bound["due_date"])
        assert 'type="text"' in field and 'value="03/04/2099"' in field
        assert 'dir="ltr"' in field
