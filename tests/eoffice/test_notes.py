"""The notes portion: yellow drafts owned by their author (or the superior they were sent to),
green notes signed once and never changed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from eoffice.errors import Invalid, Refused
from eoffice.models import AuditEntry, File, Note, Post
from eoffice.selectors import items
from eoffice.services import movement, notes
from eoffice.services.notes import MAX_NOTE_CHARS
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    delegate,
    give_post,
    open_file,
    send,
)


def _draft(chart: Chart, who: str, file: File, body: str) -> Note:
    return notes.save_draft(desk=chart.desk(who), file_id=file.pk, body=body, origin=ORIGIN)


def _edit(chart: Chart, who: str, note: Note, body: str) -> Note:
    return notes.edit_draft(desk=chart.desk(who), note_id=note.pk, body=body, origin=ORIGIN)


def _discard(chart: Chart, who: str, note: Note) -> Note:
    return notes.discard_draft(desk=chart.desk(who), note_id=note.pk, origin=ORIGIN)


def _sent(file: File) -> list[tuple[int | None, str, str]]:
    return list(
        Note.objects.filter(file=file, status=Note.Status.SENT)
        .order_by("number")
        .values_list("number", "body", "signed_name")
    )


def test_saving_a_draft_twice_keeps_one_draft(chart: Chart) -> None:
    file = open_file(chart)
    first = _draft(chart, "so", file, "  Put up.  ")
    second = _draft(chart, "so", file, "Put up for orders, please.")
    assert first.pk == second.pk
    note = Note.objects.get(file=file)
    assert (note.status, note.body, note.number) == (Note.Status.DRAFT, second.body, None)
    assert note.author == chart.officers["so"]
    # Drafts are the author's own work in progress: not in the audit trail until sent.
    assert not AuditEntry.objects.filter(item=file, action="note").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write the note"), ("   \n ", "Write the note"), ("x" * (MAX_NOTE_CHARS + 1), "at most")],
    ids=["empty", "blank", "overlong"],
)
def test_empty_or_overlong_note_is_refused(chart: Chart, body: str, message: str) -> None:
    file = open_file(chart)
    with pytest.raises(Invalid, match=message):
        _draft(chart, "so", file, body)
    note = _draft(chart, "so", file, "Fine.")
    with pytest.raises(Invalid, match=message):
        _edit(chart, "so", note, body)
    assert Note.objects.get(pk=note.pk).body == "Fine."


def test_only_the_holder_writes_notes(chart: Chart) -> None:
    file = open_file(chart)
    with pytest.raises(Refused, match="no such receipt or file"):
        _draft(chart, "sob", file, "Not mine.")
    send(chart, "so", file, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        _draft(chart, "so", file, "Too late.")
    assert not Note.objects.exists()


def test_author_edits_and_discards_their_own_draft(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "First words.")
    edited = _edit(chart, "so", note, "Better words.")
    assert (edited.body, edited.edited_by) == ("Better words.", None)
    discarded = _discard(chart, "so", note)
    assert discarded.status == Note.Status.DISCARDED
    with pytest.raises(Refused, match="Only the author"):
        _edit(chart, "so", note, "Back again?")
    with pytest.raises(Refused, match="Only the author"):
        _discard(chart, "so", note)
    # A new draft after discarding is a new note; the discarded one is never sent.
    fresh_note = _draft(chart, "so", file, "Start over.")
    assert fresh_note.pk != note.pk
    send(chart, "so", file, "DS(Admin)")
    assert _sent(file) == [(1, "Start over.", "SO Officer")]
    assert Note.objects.get(pk=note.pk).status == Note.Status.DISCARDED


def test_another_officer_of_the_same_post_may_not_touch_the_draft(chart: Chart) -> None:
    # ao acts for SO(Admin) as a delegate, sob holds it as an additional charge: neither wrote
    # the draft, so neither may edit, discard or even read it.
    delegate(chart, "ao", "SO(Admin)")
    give_post(chart, "sob", "SO(Admin)")
    file = open_file(chart)
    note = _draft(chart, "so", file, "My reasoning.")
    for other in ("ao", "sob"):
        with pytest.raises(Refused, match="Only the author"):
            _edit(chart, other, note, "Their reasoning.")
        with pytest.raises(Refused, match="Only the author"):
            _discard(chart, other, note)
        assert note.pk not in [n.pk for n in items.visible_notes(chart.desk(other), file)]
    assert note.pk in [n.pk for n in items.visible_notes(chart.desk("so"), file)]
    assert Note.objects.get(pk=note.pk).body == "My reasoning."


def test_sending_the_file_signs_the_draft_with_name_post_and_time(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Put up for approval.")
    before = timezone.now()
    send(chart, "so", file, "DS(Admin)")
    note.refresh_from_db()
    assert note.status == Note.Status.SENT
    assert note.number == 1
    assert note.signed_name == "SO Officer"
    assert note.signed_post == "Section Officer (Admin) (SO(Admin))"
    assert note.signed_at is not None and before <= note.signed_at <= timezone.now()
    assert File.objects.get(pk=file.pk).notes_count == 1
    entry = AuditEntry.objects.get(item=file, action="note")
    assert (entry.detail, entry.officer) == ("Note 1 by SO Officer", chart.officers["so"])


def test_sent_note_never_changes(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Signed words.")
    send(chart, "so", file, "DS(Admin)")
    send(chart, "ds", file, "SO(Admin)")
    with pytest.raises(Refused, match="Only the author"):
        _edit(chart, "so", note, "Changed words.")
    with pytest.raises(Refused, match="Only the author"):
        _discard(chart, "so", note)
    # Not even past the services: the database refuses.
    for change in (
        lambda: Note.objects.filter(pk=note.pk).update(body="Changed words."),
        lambda: Note.objects.filter(pk=note.pk).update(status=Note.Status.DISCARDED),
        lambda: Note.objects.filter(pk=note.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="never changes"), transaction.atomic():
            change()
    assert Note.objects.get(pk=note.pk).body == "Signed words."


def test_notes_are_numbered_in_the_order_they_are_sent(chart: Chart) -> None:
    file = open_file(chart)
    _draft(chart, "so", file, "One.")
    send(chart, "so", file, "DS(Admin)")
    _draft(chart, "ds", file, "Two.")
    send(chart, "ds", file, "SECY")
    _draft(chart, "secy", file, "Three.")
    movement.send_back(desk=chart.desk("secy"), item_id=file.pk, origin=ORIGIN)
    assert _sent(file) == [
        (1, "One.", "SO Officer"),
        (2, "Two.", "DS Officer"),
        (3, "Three.", "SECY Officer"),
    ]
    assert File.objects.get(pk=file.pk).notes_count == 3


def test_draft_sent_to_the_superior_is_theirs_to_edit(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Draft reply for approval.")
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    note.refresh_from_db()
    assert (note.status, note.draft_for_post) == (Note.Status.DRAFT, chart.post("DS(Admin)"))
    # Nothing was signed on the way.
    assert not AuditEntry.objects.filter(item=file, action="note").exists()
    # The superior reads it; the author, who no longer holds the file, cannot change it.
    assert note.pk in [n.pk for n in items.visible_notes(chart.desk("ds"), file)]
    with pytest.raises(Refused, match="not with you"):
        _edit(chart, "so", note, "Changed my mind.")
    edited = _edit(chart, "ds", note, "Draft reply, approved with changes.")
    assert edited.edited_by == chart.officers["ds"]
    assert edited.author == chart.officers["so"]
    audit = AuditEntry.objects.get(item=file, action="draft_edited")
    assert (audit.officer, audit.post) == (chart.officers["ds"], chart.post("DS(Admin)"))
    # When the superior sends the file on, the draft is signed by its author.
    movement.send_back(desk=chart.desk("ds"), item_id=file.pk, origin=ORIGIN)
    note.refresh_from_db()
    assert (note.status, note.number, note.signed_name) == (Note.Status.SENT, 1, "SO Officer")
    assert note.body == "Draft reply, approved with changes."


def test_superior_may_discard_the_draft_sent_to_them(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Draft reply.")
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    assert _discard(chart, "ds", note).status == Note.Status.DISCARDED
    assert AuditEntry.objects.filter(item=file, action="draft_discarded").count() == 1
    _draft(chart, "ds", file, "Speak to me.")
    movement.send_back(desk=chart.desk("ds"), item_id=file.pk, origin=ORIGIN)
    assert _sent(file) == [(1, "Speak to me.", "DS Officer")]


def test_only_the_superior_it_was_sent_to_may_change_it(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Draft reply.")
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    # SO(Budget) never saw the file: it may not even learn that the note exists.
    with pytest.raises(Refused) as refused:
        _edit(chart, "sob", note, "Meddling.")
    with pytest.raises(Refused) as missing:
        notes.edit_draft(desk=chart.desk("sob"), note_id=987_654, body="x", origin=ORIGIN)
    assert str(refused.value) == str(missing.value)
    assert "ADMIN" not in str(refused.value)
    assert Note.objects.get(pk=note.pk).body == "Draft reply."


def test_superior_sends_on_own_draft_and_the_subordinates_in_order(chart: Chart) -> None:
    file = open_file(chart)
    _draft(chart, "so", file, "Draft by SO.")
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    _draft(chart, "ds", file, "DS agrees.")
    send(chart, "ds", file, "SECY")
    assert _sent(file) == [(1, "Draft by SO.", "SO Officer"), (2, "DS agrees.", "DS Officer")]


def test_pulled_back_file_gives_the_draft_back_to_its_author(chart: Chart) -> None:
    file = open_file(chart)
    note = _draft(chart, "so", file, "Draft reply.")
    send(chart, "so", file, "DS(Admin)", draft_for_receiver=True)
    movement.pull_back(desk=chart.desk("so"), item_id=file.pk, origin=ORIGIN)
    note.refresh_from_db()
    assert note.draft_for_post is None
    assert _edit(chart, "so", note, "Draft reply, improved.").body == "Draft reply, improved."
    # And it is signed, as the author's own draft, when the file goes again.
    send(chart, "so", file, "SO(Budget)")
    assert _sent(file) == [(1, "Draft reply, improved.", "SO Officer")]


def test_signature_is_kept_as_it_was_when_signed(chart: Chart) -> None:
    # The signature is written out, not looked up: a later change of name or designation
    # leaves signed notes as they were signed.
    file = open_file(chart)
    note = _draft(chart, "so", file, "Mine.")
    send(chart, "so", file, "DS(Admin)")
    officer = chart.officers["so"]
    officer.full_name = "Someone Else"
    officer.save(update_fields=["full_name"])
    Post.objects.filter(pk=chart.post("SO(Admin)").pk).update(designation="Renamed Post")
    note.refresh_from_db()
    assert (note.signed_name, note.signed_post) == (
        "SO Officer",
        "Section Officer (Admin) (SO(Admin))",
    )


# --- The note box's text as the file moves: signed, kept or sent on as chosen, never dropped ---

NoteChoice = notes.NoteChoice


def _own_drafts(file: File) -> list[tuple[str, int | None]]:
    return list(
        Note.objects.filter(file=file, status=Note.Status.DRAFT).values_list(
            "body", "draft_for_post_id"
        )
    )


def _returned_to_ds(chart: Chart) -> File:
    """A file SO sent to DS, opened by DS: DS may return it."""
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    return file


def _forward(chart: Chart, file: File, **options: object) -> None:
    send(chart, "so", file, "DS(Admin)", **options)


def _return(chart: Chart, file: File, **options: object) -> None:
    movement.send_back(desk=chart.desk("ds"), item_id=file.pk, origin=ORIGIN, **options)


def _close(chart: Chart, file: File, **options: object) -> None:
    from eoffice.services import files

    files.close_file(
        desk=chart.desk("so"), file_id=file.pk, reason="Done", origin=ORIGIN, **options
    )


def _park(chart: Chart, file: File, **options: object) -> None:
    from eoffice.services import files

    options.pop("note_choice", None)
    files.park(desk=chart.desk("so"), file_id=file.pk, origin=ORIGIN, **options)


MOVES = {
    "forward": ("so", _forward),
    "return": ("ds", _return),
    "close": ("so", _close),
}


def _file_for(chart: Chart, action: str) -> File:
    return _returned_to_ds(chart) if action == "return" else open_file(chart)


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_typed_unsaved_note_is_signed_and_sent_when_the_officer_chooses_send(
    chart: Chart, action: str
) -> None:
    who, move = MOVES[action]
    file = _file_for(chart, action)
    move(chart, file, typed_note="  Typed, never saved.  ", note_choice=NoteChoice.SEND)
    signed = Note.objects.get(file=file, status=Note.Status.SENT, author=chart.officers[who])
    assert signed.body == "Typed, never saved."
    assert signed.signed_name and signed.number
    assert _own_drafts(file) == []


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_typed_note_replaces_the_saved_draft_before_it_is_signed(chart: Chart, action: str) -> None:
    who, move = MOVES[action]
    file = _file_for(chart, action)
    _draft(chart, who, file, "Old saved text.")
    move(chart, file, typed_note="New typed text.", note_choice=NoteChoice.SEND)
    assert [body for _, body, _ in _sent(file) if body != "Old saved text."][
        -1
    ] == "New typed text."
    assert not Note.objects.filter(file=file, body="Old saved text.").exists()


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_typed_note_that_differs_with_no_choice_refuses_the_move_and_changes_nothing(
    chart: Chart, action: str
) -> None:
    who, move = MOVES[action]
    file = _file_for(chart, action)
    _draft(chart, who, file, "Saved.")
    before = (File.objects.get(pk=file.pk).holder_post_id, File.objects.get(pk=file.pk).tray)
    with pytest.raises(notes.UnsavedNote):
        move(chart, file, typed_note="Typed after saving.")
    after = File.objects.get(pk=file.pk)
    assert (after.holder_post_id, after.tray) == before
    assert Note.objects.get(file=file, author=chart.officers[who]).body == "Saved."


@pytest.mark.parametrize("action", ["forward", "return", "close"])
def test_typed_note_kept_as_a_draft_stays_the_authors_unsigned(chart: Chart, action: str) -> None:
    who, move = MOVES[action]
    file = _file_for(chart, action)
    move(chart, file, typed_note="Keep this for later.", note_choice=NoteChoice.KEEP)
    kept = Note.objects.get(file=file, author=chart.officers[who])
    assert (kept.status, kept.body, kept.draft_for_post_id) == (
        Note.Status.DRAFT,
        "Keep this for later.",
        None,
    )


def test_typed_note_sent_on_as_a_draft_goes_to_the_receiver(chart: Chart) -> None:
    file = open_file(chart)
    _forward(chart, file, typed_note="For your edit.", note_choice=NoteChoice.DRAFT)
    assert _own_drafts(file) == [("For your edit.", chart.post("DS(Admin)").pk)]


def test_a_note_goes_on_as_a_draft_only_when_forwarding(chart: Chart) -> None:
    file = _returned_to_ds(chart)
    with pytest.raises(Invalid):
        _return(chart, file, typed_note="x", note_choice=NoteChoice.DRAFT)


def test_parking_keeps_the_typed_note_as_the_draft(chart: Chart) -> None:
    file = open_file(chart)
    _draft(chart, "so", file, "Saved.")
    _park(chart, file, typed_note="Typed before parking.")
    assert File.objects.get(pk=file.pk).tray == File.Tray.PARKED
    assert _own_drafts(file) == [("Typed before parking.", None)]
    assert _sent(file) == []


def test_the_same_text_as_saved_needs_no_choice_and_is_signed(chart: Chart) -> None:
    file = open_file(chart)
    _draft(chart, "so", file, "Saved.")
    _forward(chart, file, typed_note=" Saved. ")
    assert [body for _, body, _ in _sent(file)] == ["Saved."]


def test_an_emptied_box_never_signs_the_saved_draft_unseen(chart: Chart) -> None:
    file = open_file(chart)
    _draft(chart, "so", file, "Saved.")
    with pytest.raises(Invalid, match="note box is empty"):
        _forward(chart, file, typed_note="", note_choice=NoteChoice.SEND)
    _forward(chart, file, typed_note="", note_choice=NoteChoice.KEEP)
    assert _own_drafts(file) == [("Saved.", None)] and _sent(file) == []
