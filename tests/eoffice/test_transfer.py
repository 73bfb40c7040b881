"""Transfer: a post passes to a new holder on a date, and its pending work goes with it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account
from eoffice.models import Grading, Item, Posting
from eoffice.selectors.access import can_see, desk_of
from eoffice.selectors.trays import TrayFilter, items_in_tray
from eoffice.services import files, movement, receipts
from eoffice.services.org_chart import NewOfficer, transfer_post
from tests.conftest import World, signed_in_client
from tests.eoffice.chart import (
    ORIGIN,
    PUNJAB_SITE,
    Chart,
    by_admin,
    days_from_now,
    file_details,
    receipt_details,
)

ALL = TrayFilter()


def successor(email: str = "successor@punjab.example") -> User:
    return create_account(email=email, full_name="Sara Successor")


def work_at_section_officer(chart: Chart) -> dict[str, Item]:
    """Four items made at SO(Admin): two with it, one parked there, one sent on to DS(Admin)."""
    so = chart.desk("so")
    receipt = receipts.register_receipt(desk=so, details=receipt_details(chart), origin=ORIGIN)
    secret = receipts.register_receipt(
        desk=so,
        details=receipt_details(chart, subject="Posting orders", grading=Grading.SECRET),
        origin=ORIGIN,
    )
    parked = files.open_file(desk=so, details=file_details(chart), origin=ORIGIN)
    files.park(desk=so, file_id=parked.pk, origin=ORIGIN)
    sent = files.open_file(
        desk=so, details=file_details(chart, subject="Sent up for approval"), origin=ORIGIN
    )
    movement.forward(desk=so, item_id=sent.pk, to_post_id=chart.post("DS(Admin)").pk, origin=ORIGIN)
    return {
        "receipt": Item.objects.get(pk=receipt.pk),
        "secret": Item.objects.get(pk=secret.pk),
        "parked": Item.objects.get(pk=parked.pk),
        "sent": Item.objects.get(pk=sent.pk),
    }


def tray(desk: Any, name: str) -> set[int]:
    return set(items_in_tray(desk, name, ALL).values_list("pk", flat=True))


def test_pending_work_passes_to_the_new_holder_and_leaves_the_old(chart: Chart) -> None:
    work = work_at_section_officer(chart)
    old_officer, new_officer = chart.officers["so"], successor()
    today = timezone.localdate()

    done = transfer_post(
        post_id=chart.post("SO(Admin)").pk, on=today, officer_id=new_officer.pk, **by_admin()
    )

    # Pending: the two receipts with the post and the parked file, not the file sent on.
    assert done.pending_items == 3
    assert [p.officer for p in done.relieved] == [old_officer]
    assert Posting.objects.get(pk=done.relieved[0].pk).to_date == today - timedelta(days=1)
    assert (done.posting.officer, done.posting.from_date) == (new_officer, today)

    new, old = desk_of(new_officer), desk_of(old_officer)
    assert tray(new, "inbox") == {work["receipt"].pk, work["secret"].pk}
    assert tray(new, "parked") == {work["parked"].pk}
    assert all(can_see(new, item) for item in work.values())  # incl. Secret: posted, not delegate
    assert tray(old, "inbox") == tray(old, "parked") == set()
    assert not any(can_see(old, item) for item in work.values())
    # Nothing about the items changed: they were the post's all along.
    for item in work.values():
        assert Item.objects.get(pk=item.pk).holder_post_id == item.holder_post_id


def test_the_new_holder_can_act_on_the_work_at_once(chart: Chart) -> None:
    work = work_at_section_officer(chart)
    new_officer = successor()
    transfer_post(
        post_id=chart.post("SO(Admin)").pk,
        on=timezone.localdate(),
        officer_id=new_officer.pk,
        **by_admin(),
    )

    files.unpark(desk=desk_of(new_officer), file_id=work["parked"].pk, origin=ORIGIN)

    assert Item.objects.get(pk=work["parked"].pk).tray == Item.Tray.INBOX


def test_a_transfer_on_a_later_date_changes_nothing_until_that_day(chart: Chart) -> None:
    work = work_at_section_officer(chart)
    old_officer, new_officer = chart.officers["so"], successor()
    on = days_from_now(7)

    transfer_post(
        post_id=chart.post("SO(Admin)").pk, on=on, officer_id=new_officer.pk, **by_admin()
    )

    assert can_see(desk_of(old_officer), work["receipt"])
    assert not can_see(desk_of(new_officer), work["receipt"])
    assert can_see(desk_of(new_officer, on=on), work["receipt"])
    assert not can_see(desk_of(old_officer, on=on), work["receipt"])


def test_additional_charge_holders_are_relieved_too(chart: Chart) -> None:
    post = chart.post("SO(Admin)")
    Posting.objects.create(
        officer=chart.officers["sob"],
        post=post,
        from_date=days_from_now(-10),
        is_additional_charge=True,
    )

    done = transfer_post(
        post_id=post.pk, on=timezone.localdate(), officer_id=successor().pk, **by_admin()
    )

    assert {p.officer for p in done.relieved} == {chart.officers["so"], chart.officers["sob"]}
    assert [h.post for h in desk_of(chart.officers["sob"]).holdings] == [chart.post("SO(Budget)")]


def test_an_additional_charge_becomes_a_posting_by_transfer(chart: Chart) -> None:
    post, ao = chart.post("SO(Budget)"), chart.officers["ao"]
    charge = Posting.objects.create(
        officer=ao, post=post, from_date=days_from_now(-10), is_additional_charge=True
    )

    done = transfer_post(post_id=post.pk, on=timezone.localdate(), officer_id=ao.pk, **by_admin())

    assert {p.pk for p in done.relieved} == {
        charge.pk,
        Posting.objects.get(post=post, officer=chart.officers["sob"]).pk,
    }
    assert [(h.post.abbreviation, h.via) for h in desk_of(ao).holdings] == [
        ("AO(Admin)", "posted"),
        ("SO(Budget)", "posted"),
    ]


def test_a_vacant_post_is_simply_given_to_its_new_holder(chart: Chart) -> None:
    post = chart.post("SO(Budget)")
    Posting.objects.filter(post=post).update(to_date=days_from_now(-1))

    done = transfer_post(
        post_id=post.pk, on=timezone.localdate(), officer_id=successor().pk, **by_admin()
    )

    assert done.relieved == []
    assert [h.post for h in desk_of(done.posting.officer).holdings] == [post]


def test_a_transfer_to_a_new_officer_creates_and_invites_them(
    chart: Chart, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        done = transfer_post(
            post_id=chart.post("SO(Admin)").pk,
            on=timezone.localdate(),
            new_officer=NewOfficer(full_name="Nadia New", email="Nadia.New@punjab.example"),
            site=PUNJAB_SITE,
            **by_admin(),
        )

    officer = done.posting.officer
    assert (officer.email, officer.has_usable_password()) == ("nadia.new@punjab.example", False)
    assert mail.outbox[-1].to == ["nadia.new@punjab.example"]
    assert re.search(r"/accounts/password/reset/key/\S+", mail.outbox[-1].body)


def test_what_a_transfer_refuses(chart: Chart) -> None:
    post = chart.post("SO(Admin)")
    today = timezone.localdate()

    with pytest.raises(ValidationError) as same:
        transfer_post(post_id=post.pk, on=today, officer_id=chart.officers["so"].pk, **by_admin())
    assert "already holds SO(Admin)" in str(same.value.message_dict["officer_id"])

    later = successor("later@punjab.example")
    transfer_post(post_id=post.pk, on=days_from_now(10), officer_id=later.pk, **by_admin())
    with pytest.raises(ValidationError) as early:
        transfer_post(post_id=post.pk, on=today, officer_id=successor().pk, **by_admin())
    assert "after this date" in str(early.value.message_dict["on"])

    with pytest.raises(ValidationError) as taken:
        transfer_post(
            post_id=post.pk,
            on=days_from_now(20),
            new_officer=NewOfficer(full_name="Dup", email=chart.officers["ds"].email),
            **by_admin(),
        )
    assert "already has an account" in str(taken.value.message_dict["email"])


def test_the_transfer_page_says_how_much_work_passes_and_hands_over(
    chart: Chart, world: World
) -> None:
    work_at_section_officer(chart)
    new_officer = successor()
    post = chart.post("SO(Admin)")
    client = signed_in_client(world.punjab.host, world.punjab.admin_email)

    page = client.get(f"/manage/posts/{post.pk}/transfer/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 pending receipts and files pass to the new holder with the post." in html
    assert "SO Officer" in html  # the holder to be relieved
    assert "Request for additional budget" not in html  # a count, never the items

    done = client.post(
        f"/manage/posts/{post.pk}/transfer/",
        {"officer_id": new_officer.pk, "on": timezone.localdate().isoformat()},
        follow=True,
    )
    html = done.content.decode()
    assert done.redirect_chain[-1][0] == f"/manage/posts/{post.pk}/"
    assert "Sara Successor takes charge of SO(Admin)" in html
    assert "3 pending receipts and files pass to them with the post." in html
    with schema_context(world.punjab.tenant.schema_name):
        assert [h.post for h in desk_of(new_officer).holdings] == [post]
        assert desk_of(chart.officers["so"]).holdings == []


def test_the_transfer_page_shows_errors_next_to_the_fields(chart: Chart, world: World) -> None:
    post = chart.post("SO(Admin)")
    client = signed_in_client(world.punjab.host, world.punjab.admin_email)

    page = client.post(
        f"/manage/posts/{post.pk}/transfer/",
        {"officer_id": chart.officers["so"].pk, "on": timezone.localdate().isoformat()},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_officer_id_error"' in html
    assert "SO Officer already holds SO(Admin)." in html
    with schema_context(world.punjab.tenant.schema_name):
        assert Posting.objects.filter(post=post).count() == 1
