"""Who sees what: creator, holder and posts passed through; delegates; Secret and Top Secret;
receipts through their file; the tenant administrator; refusals, lists and counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from eoffice.errors import Refused
from eoffice.models import AuditEntry, Delegation, Grading, Item, Note, Posting
from eoffice.selectors import items
from eoffice.selectors.access import Desk, can_see, desk_of, visible_items
from eoffice.selectors.register import RegisterFilter
from eoffice.selectors.register import register as receipt_register
from eoffice.selectors.trays import TrayFilter, items_in_tray, sent_items, tray_counts
from eoffice.services import files, movement, notes, receipts
from eoffice.services.custody import NOT_FOUND
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    delegate,
    file_details,
    give_post,
    open_as,
    open_file,
    pdf_bytes,
    receipt_details,
    register,
    send,
)

ALL = TrayFilter()


def _sees(desk: Desk, item: Item) -> bool:
    """Both ways an item is reached must agree: its page and the check every action makes."""
    page = items.item_for(desk, item.pk) is not None
    assert page == can_see(desk, Item.objects.get(pk=item.pk))
    return page


def _inbox(desk: Desk) -> set[int]:
    return set(items_in_tray(desk, "inbox", ALL).values_list("pk", flat=True))


def _registered(desk: Desk, scope: str) -> set[int]:
    return set(receipt_register(desk, RegisterFilter(scope=scope)).values_list("pk", flat=True))


def _admin() -> Desk:
    return desk_of(User.objects.get(email="admin@punjab.example"))


def test_creator_holder_and_posts_passed_through_see_an_item(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    send(chart, "ds", receipt, "SECY")
    seen = {who: _sees(chart.desk(who), receipt) for who in chart.officers}
    assert seen == {
        "secy": True,  # holds it
        "ds": True,  # it passed through
        "so": True,  # created it
        "sob": False,
        "ao": False,  # a subordinate of the creator sees nothing of it
        "cr": False,
    }


def test_access_follows_the_post_not_the_officer(chart: Chart) -> None:
    receipt = register(chart)
    # The officer leaves SO(Admin) (transferred yesterday); a successor takes the post.
    Posting.objects.filter(officer=chart.officers["so"]).update(
        to_date=timezone.localdate() - timedelta(days=1)
    )
    successor = User.objects.get(email="ao@punjab.example")
    give_post(chart, "ao", "SO(Admin)", additional=False)
    assert not _sees(chart.desk("so"), receipt)
    assert _sees(desk_of(successor), receipt)


def test_delegate_sees_and_acts_on_normal_and_confidential_work(chart: Chart) -> None:
    delegate(chart, "sob", "DS(Admin)")
    normal = register(chart)
    confidential = register(chart, grading=Grading.CONFIDENTIAL)
    for receipt in (normal, confidential):
        send(chart, "so", receipt, "DS(Admin)")
        assert _sees(chart.desk("sob"), receipt)
    assert {normal.pk, confidential.pk} <= _inbox(chart.desk("sob"))
    send(chart, "sob", confidential, "SECY")


@pytest.mark.parametrize("grading", [Grading.SECRET, Grading.TOP_SECRET])
def test_restricted_items_are_seen_only_on_posts_marked_to_never_by_delegates(
    chart: Chart, grading: str
) -> None:
    delegate(chart, "cr", "DS(Admin)")
    give_post(chart, "ao", "DS(Admin)")  # an additional charge is a posting
    receipt = register(chart, grading=grading)
    send(chart, "so", receipt, "DS(Admin)")
    seen = {who: _sees(chart.desk(who), receipt) for who in chart.officers}
    assert seen == {
        "so": True,
        "ds": True,
        "ao": True,
        "cr": False,  # acts for DS(Admin), but only as a delegate
        "secy": False,  # above DS(Admin), but it was never marked to SECY
        "sob": False,
    }
    cr = chart.desk("cr")
    assert receipt.pk not in _inbox(cr)
    assert tray_counts(cr)["inbox"] == 0
    with pytest.raises(Refused, match=str(NOT_FOUND)):
        send(chart, "cr", receipt, "SECY")
    # The delegation stays for the normal work of the post.
    normal = register(chart)
    send(chart, "so", normal, "DS(Admin)")
    assert _inbox(cr) == {normal.pk}
    assert tray_counts(cr)["inbox"] == 1


def test_expired_or_revoked_delegation_gives_nothing(chart: Chart) -> None:
    delegation = delegate(chart, "sob", "DS(Admin)")
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    assert _sees(chart.desk("sob"), receipt)
    Delegation.objects.filter(pk=delegation.pk).update(revoked_at=timezone.now())
    assert not _sees(chart.desk("sob"), receipt)
    Delegation.objects.filter(pk=delegation.pk).update(
        revoked_at=None,
        from_date=timezone.localdate() - timedelta(days=9),
        to_date=timezone.localdate() - timedelta(days=2),
    )
    assert not _sees(chart.desk("sob"), receipt)


def test_receipt_in_a_file_is_seen_through_the_file(chart: Chart) -> None:
    so = chart.desk("so")
    receipt = register(chart, grading=Grading.CONFIDENTIAL)
    file = receipts.put_in_file(
        desk=so, receipt_id=receipt.pk, new_file=file_details(chart), origin=ORIGIN
    )
    assert not _sees(chart.desk("ds"), receipt)
    send(chart, "so", file, "DS(Admin)")
    # DS(Admin) never received the receipt, but the file it lies in.
    assert _sees(chart.desk("ds"), receipt)
    assert not _sees(chart.desk("sob"), receipt)


def test_restricted_receipt_is_not_seen_through_its_file(chart: Chart) -> None:
    secret = register(chart, grading=Grading.SECRET)
    file = receipts.put_in_file(
        desk=chart.desk("so"),
        receipt_id=secret.pk,
        new_file=file_details(chart, grading=Grading.SECRET),
        origin=ORIGIN,
    )
    send(chart, "so", file, "DS(Admin)")
    assert _sees(chart.desk("ds"), file)
    assert not _sees(chart.desk("ds"), secret)


def test_tenant_admin_sees_nothing_by_being_admin(chart: Chart) -> None:
    receipt = register(chart)
    confidential = register(chart, grading=Grading.CONFIDENTIAL)
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    admin = _admin()
    assert admin.officer.is_staff and not admin.holdings
    for item in (receipt, confidential, file):
        assert not _sees(admin, item)
    assert not visible_items(admin).exists()
    assert _registered(admin, "here") == _registered(admin, "all") == set()
    for tray in ("inbox", "parked", "closed"):
        assert not items_in_tray(admin, tray, ALL).exists()
    assert not sent_items(admin, ALL).exists()
    assert set(tray_counts(admin).values()) == {0}
    with pytest.raises(Refused, match=str(NOT_FOUND)):
        movement.forward(
            desk=admin, item_id=receipt.pk, to_post_id=chart.post("SECY").pk, origin=ORIGIN
        )
    with pytest.raises(Refused, match="hold no post"):
        receipts.register_receipt(desk=admin, details=receipt_details(chart), origin=ORIGIN)
    with pytest.raises(Refused, match="hold no post"):
        files.open_file(desk=admin, details=file_details(chart), origin=ORIGIN)


# Every action on an item one may not see: the refusal is the same as for an item that does not
# exist, and names nothing of it.
ACTIONS: dict[str, Callable[[Desk, int, Chart], object]] = {
    "open": lambda d, i, c: movement.open_item(
        desk=d, item=Item.objects.filter(pk=i).first() or Item(pk=i), origin=ORIGIN
    ),
    "forward": lambda d, i, c: movement.forward(
        desk=d, item_id=i, to_post_id=c.post("SECY").pk, origin=ORIGIN
    ),
    "return": lambda d, i, c: movement.send_back(desk=d, item_id=i, origin=ORIGIN),
    "pull back": lambda d, i, c: movement.pull_back(desk=d, item_id=i, origin=ORIGIN),
    "close receipt": lambda d, i, c: receipts.close_receipt(
        desk=d, receipt_id=i, reason="x", origin=ORIGIN
    ),
    "file receipt": lambda d, i, c: receipts.put_in_file(
        desk=d, receipt_id=i, new_file=file_details(c), origin=ORIGIN
    ),
    "note": lambda d, i, c: notes.save_draft(desk=d, file_id=i, body="x", origin=ORIGIN),
    "attach": lambda d, i, c: files.attach_document(
        desk=d, file_id=i, stream=BytesIO(pdf_bytes()), name="a.pdf", title="", origin=ORIGIN
    ),
    "park": lambda d, i, c: files.park(desk=d, file_id=i, origin=ORIGIN),
    "unpark": lambda d, i, c: files.unpark(desk=d, file_id=i, origin=ORIGIN),
    "close file": lambda d, i, c: files.close_file(desk=d, file_id=i, reason="x", origin=ORIGIN),
    "reopen": lambda d, i, c: files.reopen_file(desk=d, file_id=i, reason="x", origin=ORIGIN),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("grading", [Grading.NORMAL, Grading.TOP_SECRET])
def test_refusal_never_describes_an_item_one_may_not_see(
    chart: Chart, action: str, grading: str
) -> None:
    # A receipt (for receipt actions) or a file, with SO(Budget) never marked to it; and a
    # delegate of its holder for the Top Secret case.
    is_receipt = action in {"forward", "return", "pull back", "close receipt", "file receipt"}
    item = (
        register(chart, "so", grading=grading, subject="Transfer of the Chief Engineer")
        if is_receipt
        else open_file(chart, "so", grading=grading, subject="Transfer of the Chief Engineer")
    )
    send(chart, "so", item, "DS(Admin)")
    if action == "reopen":
        files.close_file(desk=chart.desk("ds"), file_id=item.pk, reason="x", origin=ORIGIN)
    if action == "unpark":
        files.park(desk=chart.desk("ds"), file_id=item.pk, origin=ORIGIN)
    strangers = [chart.desk("sob")]
    if grading == Grading.TOP_SECRET:
        delegate(chart, "cr", "DS(Admin)")
        strangers.append(chart.desk("cr"))
    missing = Item.objects.order_by("-pk").first().pk + 1000
    for desk in strangers:
        with pytest.raises(Refused) as refused:
            ACTIONS[action](desk, item.pk, chart)
        with pytest.raises(Refused) as nothing:
            ACTIONS[action](desk, missing, chart)
        message = str(refused.value)
        assert isinstance(refused.value, PermissionDenied)  # a 403 page, never a 500
        assert message == str(nothing.value) == str(NOT_FOUND)
        for detail in (item.reference, "Chief Engineer", "DS(Admin)", "SO(Admin)"):
            assert detail not in message
    # Nothing was done to the item.
    expected = {"reopen": Item.Tray.CLOSED, "unpark": Item.Tray.PARKED}.get(action, "inbox")
    assert Item.objects.get(pk=item.pk).tray == expected
    assert Item.objects.get(pk=item.pk).holder_post == chart.post("DS(Admin)")


def test_draft_note_ids_reveal_nothing_either(chart: Chart) -> None:
    file = open_file(chart)
    note = notes.save_draft(desk=chart.desk("so"), file_id=file.pk, body="x", origin=ORIGIN)
    for change in (
        lambda note_id: notes.edit_draft(
            desk=chart.desk("sob"), note_id=note_id, body="y", origin=ORIGIN
        ),
        lambda note_id: notes.discard_draft(desk=chart.desk("sob"), note_id=note_id, origin=ORIGIN),
    ):
        with pytest.raises(Refused) as refused:
            change(note.pk)
        with pytest.raises(Refused) as nothing:
            change(note.pk + 1000)
        assert str(refused.value) == str(nothing.value)
    assert Note.objects.get(pk=note.pk).body == "x"


def test_trays_and_counts_hold_only_what_one_may_see(chart: Chart) -> None:
    delegate(chart, "sob", "DS(Admin)")
    normal, secret = register(chart), register(chart, grading=Grading.SECRET)
    parked_secret = open_file(chart, grading=Grading.TOP_SECRET)
    parked_normal = open_file(chart)
    for item in (normal, secret, parked_secret, parked_normal):
        send(chart, "so", item, "DS(Admin)")
    for file in (parked_secret, parked_normal):
        files.park(desk=chart.desk("ds"), file_id=file.pk, origin=ORIGIN)
    ds, sob = chart.desk("ds"), chart.desk("sob")
    assert _inbox(ds) == {normal.pk, secret.pk}
    parked = set(items_in_tray(ds, "parked", ALL).values_list("pk", flat=True))
    assert parked == {parked_secret.pk, parked_normal.pk}
    assert _inbox(sob) == {normal.pk}
    parked = set(items_in_tray(sob, "parked", ALL).values_list("pk", flat=True))
    assert parked == {parked_normal.pk}
    assert tray_counts(ds) == {
        "inbox": 2,
        "unread": 2,
        "overdue": 0,
        "parked": 2,
        "closed": 0,
    }
    counts = tray_counts(sob)
    assert (counts["inbox"], counts["unread"], counts["parked"]) == (1, 1, 1)
    # Asking for another post's tray shows nothing.
    assert not items_in_tray(
        chart.desk("so"), "inbox", TrayFilter(post_id=chart.post("DS(Admin)").pk)
    ).exists()
    assert tray_counts(chart.desk("so"), chart.post("DS(Admin)").pk)["inbox"] == 0


def test_sent_tray_hides_restricted_items_from_delegates(chart: Chart) -> None:
    delegate(chart, "sob", "SO(Admin)")
    normal, secret = register(chart), register(chart, grading=Grading.SECRET)
    for item in (normal, secret):
        send(chart, "so", item, "DS(Admin)")
    sent_by = {
        who: set(sent_items(chart.desk(who), ALL).values_list("item_id", flat=True))
        for who in ("so", "sob", "ds")
    }
    assert sent_by == {"so": {normal.pk, secret.pk}, "sob": {normal.pk}, "ds": set()}


def test_register_lists_only_visible_receipts(chart: Chart) -> None:
    delegate(chart, "sob", "SO(Admin)")
    normal = register(chart)
    secret = register(chart, grading=Grading.SECRET)
    from_cr = register(chart, "cr")
    send(chart, "cr", from_cr, "SO(Admin)")
    elsewhere = register(chart, "cr")
    so, sob, ds = chart.desk("so"), chart.desk("sob"), chart.desk("ds")
    assert _registered(so, "here") == {normal.pk, secret.pk}
    assert _registered(so, "all") == {normal.pk, secret.pk, from_cr.pk}
    # sob holds SO(Budget) and acts for SO(Admin): the Secret receipt is not theirs to see.
    assert _registered(sob, "here") == {normal.pk}
    assert _registered(sob, "all") == {normal.pk, from_cr.pk}
    assert _registered(ds, "all") == set()
    assert elsewhere.pk not in _registered(so, "all")


def test_files_offered_to_put_a_receipt_in_are_only_visible_ones(chart: Chart) -> None:
    delegate(chart, "sob", "SO(Admin)")
    normal, secret = open_file(chart), open_file(chart, grading=Grading.SECRET)
    budget = open_file(chart, "sob")
    offered = {
        who: {f.pk for f in items.files_to_put_in(chart.desk(who), chart.post(post).pk)}
        for who, post in [("so", "SO(Admin)"), ("sob", "SO(Admin)"), ("ds", "SO(Admin)")]
    }
    assert offered == {"so": {normal.pk, secret.pk}, "sob": {normal.pk}, "ds": set()}
    assert {
        f.pk for f in items.files_to_put_in(chart.desk("so"), chart.post("SO(Budget)").pk)
    } == set()
    assert budget.pk in {
        f.pk for f in items.files_to_put_in(chart.desk("sob"), chart.post("SO(Budget)").pk)
    }


def test_a_passer_by_opening_a_graded_item_is_audited_but_reads_nothing(chart: Chart) -> None:
    confidential = register(chart, grading=Grading.CONFIDENTIAL)
    sent = send(chart, "so", confidential, "DS(Admin)")
    open_as(chart, "so", confidential)
    sent.refresh_from_db()
    assert sent.read_at is None
    view = AuditEntry.objects.get(item=confidential, action="view")
    assert (view.officer, view.detail) == (chart.officers["so"], "Confidential item opened")
