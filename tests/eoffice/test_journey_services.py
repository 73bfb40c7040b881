"""The officers' journey through the services: receipt, file, notes, forward and return."""

from io import BytesIO

from eoffice.models import AuditEntry, Item, Movement, Note
from eoffice.selectors import items
from eoffice.services import movement, notes, receipts
from eoffice.services.receipts import Upload
from tests.eoffice.chart import ORIGIN, Chart, file_details, pdf_bytes, receipt_details


def test_section_officer_to_deputy_secretary_and_back(chart: Chart) -> None:
    so, ds = chart.desk("so"), chart.desk("ds")
    receipt = receipts.register_receipt(
        desk=so,
        details=receipt_details(chart, mode="electronic"),
        upload=Upload(BytesIO(pdf_bytes(3)), "letter.pdf"),
        origin=ORIGIN,
    )
    assert receipt.reference.endswith(f"/{receipt.diary_year}")
    file = receipts.put_in_file(
        desk=so, receipt_id=receipt.pk, new_file=file_details(chart), origin=ORIGIN
    )
    assert file.reference.startswith("ADMIN/1/")
    notes.save_draft(desk=so, file_id=file.pk, body="Put up for approval.", origin=ORIGIN)
    movement.forward(
        desk=so,
        item_id=file.pk,
        to_post_id=chart.post("DS(Admin)").pk,
        remarks="Please see",
        origin=ORIGIN,
    )
    file_at_ds = items.item_for(ds, file.pk)
    assert file_at_ds is not None
    movement.open_item(desk=ds, item=file_at_ds, origin=ORIGIN)
    notes.save_draft(desk=ds, file_id=file.pk, body="Approved.", origin=ORIGIN)
    movement.send_back(desk=ds, item_id=file.pk, origin=ORIGIN)

    back = items.item_for(so, file.pk)
    assert back.holder_post == chart.post("SO(Admin)")
    sent = [n for n in items.visible_notes(so, back) if n.status == Note.Status.SENT]
    assert [(n.number, n.body, n.signed_post) for n in sent] == [
        (1, "Put up for approval.", "Section Officer (Admin) (SO(Admin))"),
        (2, "Approved.", "Deputy Secretary (Admin) (DS(Admin))"),
    ]
    kinds = [
        (m.kind, m.from_post.abbreviation, m.to_post.abbreviation, m.read_at is not None)
        for m in items.movements(back)
    ]
    assert kinds == [
        (Movement.Kind.FORWARD, "SO(Admin)", "DS(Admin)", True),
        (Movement.Kind.RETURN, "DS(Admin)", "SO(Admin)", False),
    ]
    actions = list(AuditEntry.objects.filter(item=file).values_list("action", flat=True))
    assert actions == ["create", "attach", "note", "move", "note", "move"]
    assert Item.objects.get(pk=receipt.pk).tray == Item.Tray.FILED
