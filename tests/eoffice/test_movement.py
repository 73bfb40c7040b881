"""Movement: forward to any post, return, pull back while unread, and the read time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from eoffice.errors import Invalid, Refused
from eoffice.models import AuditEntry, Grading, Item, Movement, PostAccess
from eoffice.selectors import items
from eoffice.selectors.trays import tray_counts
from eoffice.services import files, movement
from eoffice.services.movement import MAX_REMARKS
from tests.eoffice.chart import (
    ORIGIN,
    Chart,
    days_from_now,
    delegate,
    fresh,
    give_post,
    open_as,
    open_file,
    register,
    send,
)


def _back(chart: Chart, who: str, item: Item, **options: Any) -> Movement:
    return movement.send_back(desk=chart.desk(who), item_id=item.pk, origin=ORIGIN, **options)


def _pull(chart: Chart, who: str, item: Item) -> Movement:
    return movement.pull_back(desk=chart.desk(who), item_id=item.pk, origin=ORIGIN)


def _trail(item: Item) -> list[tuple[str, str, str]]:
    return [
        (m.kind, m.from_post.abbreviation, m.to_post.abbreviation) for m in items.movements(item)
    ]


def test_forward_records_the_movement_and_hands_the_item_over(chart: Chart) -> None:
    receipt = register(chart)
    before = timezone.now()
    sent = send(
        chart, "so", receipt, "DS(Admin)", remarks="  Please see. ", due_date=days_from_now(3)
    )
    assert (sent.kind, sent.from_post, sent.to_post, sent.by) == (
        Movement.Kind.FORWARD,
        chart.post("SO(Admin)"),
        chart.post("DS(Admin)"),
        chart.officers["so"],
    )
    assert (sent.remarks, sent.due_date, sent.read_at) == ("Please see.", days_from_now(3), None)
    assert before <= sent.sent_at <= timezone.now()
    item = fresh(receipt)
    assert (item.holder_post, item.tray, item.last_movement_id) == (
        chart.post("DS(Admin)"),
        Item.Tray.INBOX,
        sent.pk,
    )
    assert (item.arrived_at, item.due_date) == (sent.sent_at, days_from_now(3))
    assert PostAccess.objects.filter(item=receipt, post=chart.post("DS(Admin)")).exists()
    entry = AuditEntry.objects.filter(item=receipt).last()
    assert (entry.action, entry.post, entry.detail) == (
        "move",
        chart.post("SO(Admin)"),
        "Forwarded SO(Admin) → DS(Admin): Please see.",
    )


def test_forward_goes_to_any_post_not_only_up_the_line(chart: Chart) -> None:
    file = open_file(chart, "ao")
    for who, to in [("ao", "SO(Budget)"), ("sob", "CR"), ("cr", "SECY"), ("secy", "AO(Admin)")]:
        send(chart, who, file, to)
    assert fresh(file).holder_post == chart.post("AO(Admin)")
    assert [(f, t) for _, f, t in _trail(file)] == [
        ("AO(Admin)", "SO(Budget)"),
        ("SO(Budget)", "CR"),
        ("CR", "SECY"),
        ("SECY", "AO(Admin)"),
    ]


@pytest.mark.parametrize(
    ("to", "options", "message"),
    [
        ("self", {}, "already with SO"),
        (987_654, {}, "Choose a post"),
        ("not a number", {}, "Choose a post"),
        (None, {}, "Choose a post"),
        ("DS(Admin)", {"due_date": "yesterday"}, "due date cannot be in the past"),
        ("DS(Admin)", {"remarks": "r" * (MAX_REMARKS + 1)}, "Remarks can be at most"),
    ],
)
def test_forward_refuses_bad_input(
    chart: Chart, to: object, options: dict[str, Any], message: str
) -> None:
    receipt = register(chart)
    if to == "self":
        to = chart.post("SO(Admin)").pk
    elif isinstance(to, str) and to in chart.posts:
        to = chart.post(to).pk
    if options.get("due_date") == "yesterday":
        # The tenant's local day, not the server's clock (which runs on UTC).
        options = {"due_date": timezone.localdate() - timedelta(days=1)}
    with pytest.raises(Invalid, match=message):
        movement.forward(
            desk=chart.desk("so"),
            item_id=receipt.pk,
            to_post_id=to,
            origin=ORIGIN,
            **options,
        )
    assert not Movement.objects.exists()
    assert fresh(receipt).holder_post == chart.post("SO(Admin)")


def test_due_date_today_is_accepted(chart: Chart) -> None:
    receipt = register(chart)
    sent = send(chart, "so", receipt, "DS(Admin)", due_date=timezone.localdate())
    assert sent.due_date == timezone.localdate()


def test_only_the_holder_forwards(chart: Chart) -> None:
    receipt = register(chart)
    with pytest.raises(Refused, match="no such receipt or file"):
        send(chart, "sob", receipt, "SECY")
    send(chart, "so", receipt, "DS(Admin)")
    with pytest.raises(Refused, match=r"is with DS\(Admin\), not with you"):
        send(chart, "so", receipt, "SECY")
    assert len(_trail(receipt)) == 1


def test_open_records_the_read_time_once(chart: Chart) -> None:
    receipt = register(chart)
    sent = send(chart, "so", receipt, "DS(Admin)")
    open_as(chart, "so", receipt)  # the sender looking at it is not the receiver reading it
    sent.refresh_from_db()
    assert sent.read_at is None
    open_as(chart, "ds", receipt)
    sent.refresh_from_db()
    first_read = sent.read_at
    assert first_read is not None and sent.read_by == chart.officers["ds"]
    open_as(chart, "ds", receipt)
    sent.refresh_from_db()
    assert sent.read_at == first_read


def test_open_is_refused_for_an_item_one_may_not_see(chart: Chart) -> None:
    receipt = register(chart, grading=Grading.CONFIDENTIAL)
    send(chart, "so", receipt, "DS(Admin)")
    with pytest.raises(Refused, match="no such receipt or file"):
        open_as(chart, "sob", receipt)
    assert not Movement.objects.filter(read_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(item=receipt, action="view").exists()


def test_reopened_file_does_not_read_a_movement_to_another_post(chart: Chart) -> None:
    file = open_file(chart)
    sent = send(chart, "so", file, "DS(Admin)")
    files.close_file(desk=chart.desk("ds"), file_id=file.pk, reason="Done", origin=ORIGIN)
    files.reopen_file(desk=chart.desk("so"), file_id=file.pk, reason="Again", origin=ORIGIN)
    open_as(chart, "so", file)
    sent.refresh_from_db()
    # DS(Admin) never opened what was sent to it; SO(Admin) opening its own file says nothing
    # about that.
    assert (sent.read_at, sent.read_by) == (None, None)
    # Nor does SO(Admin)'s inbox count it as unread, or offer to pull back or return it.
    assert tray_counts(chart.desk("so"))["unread"] == 0
    with pytest.raises(Refused, match="nowhere to return to"):
        _back(chart, "so", file)
    with pytest.raises(Refused, match="not last sent by you"):
        _pull(chart, "so", file)


def test_file_reopened_where_it_was_keeps_how_it_came(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    open_as(chart, "ds", file)
    _back(chart, "ds", file)
    files.close_file(desk=chart.desk("so"), file_id=file.pk, reason="Done", origin=ORIGIN)
    files.reopen_file(desk=chart.desk("so"), file_id=file.pk, reason="Again", origin=ORIGIN)
    assert _back(chart, "so", file).to_post == chart.post("DS(Admin)")


def test_return_goes_back_to_the_sender(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    back = _back(chart, "ds", receipt, remarks="Discuss")
    assert (back.kind, back.from_post, back.to_post, back.remarks) == (
        Movement.Kind.RETURN,
        chart.post("DS(Admin)"),
        chart.post("SO(Admin)"),
        "Discuss",
    )
    assert fresh(receipt).holder_post == chart.post("SO(Admin)")


def test_return_is_refused_when_nothing_was_sent_to_one(chart: Chart) -> None:
    receipt = register(chart)
    with pytest.raises(Refused, match="nowhere to return to"):
        _back(chart, "so", receipt)
    send(chart, "so", receipt, "DS(Admin)")
    with pytest.raises(Refused, match="not with you"):
        _back(chart, "so", receipt)
    with pytest.raises(Invalid, match="due date"):
        _back(chart, "ds", receipt, due_date=timezone.localdate() - timedelta(days=1))


def test_return_after_a_pull_back_goes_to_where_the_item_came_from(chart: Chart) -> None:
    receipt = register(chart, "cr")
    send(chart, "cr", receipt, "SO(Admin)")
    send(chart, "so", receipt, "DS(Admin)")
    _pull(chart, "so", receipt)
    # DS(Admin) never had the receipt for real: a return goes to CR, which sent it to SO.
    back = _back(chart, "so", receipt)
    assert back.to_post == chart.post("CR")


def test_return_after_pulling_back_ones_own_item_is_refused(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    _pull(chart, "so", receipt)
    with pytest.raises(Refused, match="nowhere to return to"):
        _back(chart, "so", receipt)
    assert fresh(receipt).holder_post == chart.post("SO(Admin)")


def test_pull_back_while_unread(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    pulled = _pull(chart, "so", file)
    assert (pulled.kind, pulled.from_post, pulled.to_post) == (
        Movement.Kind.PULL_BACK,
        chart.post("DS(Admin)"),
        chart.post("SO(Admin)"),
    )
    item = fresh(file)
    assert (item.holder_post, item.tray) == (chart.post("SO(Admin)"), Item.Tray.INBOX)
    entry = AuditEntry.objects.filter(item=file).last()
    assert (entry.action, entry.post, entry.officer) == (
        "pull_back",
        chart.post("SO(Admin)"),
        chart.officers["so"],
    )


def test_pull_back_refused_once_opened(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    open_as(chart, "ds", receipt)
    with pytest.raises(Refused, match=r"was opened by DS\(Admin\); ask them to return it"):
        _pull(chart, "so", receipt)
    assert fresh(receipt).holder_post == chart.post("DS(Admin)")


def test_pull_back_refused_once_acted_on(chart: Chart) -> None:
    file = open_file(chart)
    send(chart, "so", file, "DS(Admin)")
    files.park(desk=chart.desk("ds"), file_id=file.pk, origin=ORIGIN)
    with pytest.raises(Refused, match="has been acted on"):
        _pull(chart, "so", file)


def test_pull_back_only_by_the_last_sender(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    open_as(chart, "ds", receipt)
    send(chart, "ds", receipt, "SECY")
    # SO(Admin) saw it pass, but DS(Admin) sent it last.
    with pytest.raises(Refused, match="not last sent by you"):
        _pull(chart, "so", receipt)
    # The holder cannot pull back what it holds; a stranger learns nothing.
    with pytest.raises(Refused, match="not last sent by you"):
        _pull(chart, "secy", receipt)
    with pytest.raises(Refused, match="no such receipt or file"):
        _pull(chart, "sob", receipt)
    # Never sent: nothing to pull back.
    other = register(chart)
    with pytest.raises(Refused, match="not last sent by you"):
        _pull(chart, "so", other)


def test_pulled_back_item_leaves_the_receivers_tray_but_the_trail_stays(chart: Chart) -> None:
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    _pull(chart, "so", receipt)
    assert _trail(receipt) == [
        (Movement.Kind.FORWARD, "SO(Admin)", "DS(Admin)"),
        (Movement.Kind.PULL_BACK, "DS(Admin)", "SO(Admin)"),
    ]
    # DS(Admin) had it in its tray, and so may still see it (it passed through).
    assert items.item_for(chart.desk("ds"), receipt.pk) is not None


def test_delegate_moves_normal_work_of_the_post(chart: Chart) -> None:
    delegate(chart, "sob", "DS(Admin)")
    receipt = register(chart)
    send(chart, "so", receipt, "DS(Admin)")
    sent = send(chart, "sob", receipt, "SECY", remarks="On behalf of DS")
    assert (sent.from_post, sent.by) == (chart.post("DS(Admin)"), chart.officers["sob"])


def test_delegate_may_not_pull_a_secret_item_back_into_the_post(chart: Chart) -> None:
    # sob holds SO(Budget) and acts for DS(Admin) as a delegate. A Secret receipt that passed
    # through SO(Budget) and was later sent by DS(Admin)'s own officer stays out of the
    # delegate's hands.
    delegate(chart, "sob", "DS(Admin)")
    secret = register(chart, "sob", grading=Grading.SECRET)
    send(chart, "sob", secret, "DS(Admin)")
    open_as(chart, "ds", secret)
    send(chart, "ds", secret, "SECY")
    with pytest.raises(Refused, match="not last sent by you"):
        _pull(chart, "sob", secret)
    assert fresh(secret).holder_post == chart.post("SECY")


def test_additional_charge_holder_moves_from_that_post(chart: Chart) -> None:
    give_post(chart, "sob", "DS(Admin)")
    secret = register(chart, grading=Grading.TOP_SECRET)
    send(chart, "so", secret, "DS(Admin)")
    sent = send(chart, "sob", secret, "SECY")
    assert sent.from_post == chart.post("DS(Admin)")


def test_due_date_given_when_forwarding_becomes_the_items_due_date(chart: Chart) -> None:
    receipt = register(chart, due_date=days_from_now(10))
    send(chart, "so", receipt, "DS(Admin)")
    assert fresh(receipt).due_date == days_from_now(10)  # kept when none is given
    send(chart, "ds", receipt, "SECY", due_date=days_from_now(2))
    assert fresh(receipt).due_date == days_from_now(2)
