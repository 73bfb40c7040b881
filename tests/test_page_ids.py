"""Every page with forms gives each element an id of its own, and every label, aria-controls
and aria-labelledby names an id on the page: two forms that share `id_reason` make "Reason"
focus the wrong box (issue 9, point 11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.models import User
from eoffice.services import files, movement, notes, receipts
from tests import onboarding
from tests.conftest import World
from tests.eoffice.chart import ORIGIN, Chart, build_chart, open_file, receipt_details

pytestmark = pytest.mark.django_db
PUBLIC = "config.urls_public"


@pytest.fixture
def chart(world: World, db: None) -> Iterator[Chart]:
    with schema_context(world.punjab.tenant.schema_name):
        yield build_chart()


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []  # (attribute, id named)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.append(value)
            elif (tag == "label" and name == "for") or name == "aria-controls":
                self.references.append((f"{tag} {name}", value))
            elif name in {"aria-labelledby", "aria-describedby"}:
                self.references += [(f"{tag} {name}", part) for part in value.split()]


def problems(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    found = [f"id {i!r} appears {n} times" for i, n in Counter(parser.ids).items() if n > 1]
    known = set(parser.ids)
    found += [
        f"{what}={target!r} names no element"
        for what, target in parser.references
        if target not in known
    ]
    return found


def _check(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    assert problems(response.content.decode()) == [], url


def test_the_checker_finds_a_shared_id_and_a_dangling_label() -> None:
    page = '<input id="id_reason"><textarea id="id_reason"></textarea><label for="nowhere">'
    assert problems(page) == [
        "id 'id_reason' appears 2 times",
        "label for='nowhere' names no element",
    ]


def test_eoffice_item_pages(world: World, chart: Chart) -> None:
    so_desk, ds_desk = chart.desk("so"), chart.desk("ds")
    so, ds = Client(HTTP_HOST=world.punjab.host), Client(HTTP_HOST=world.punjab.host)
    so.force_login(chart.officers["so"])
    ds.force_login(chart.officers["ds"])
    # A receipt with the section officer: forward, put in file, close.
    receipt = receipts.register_receipt(desk=so_desk, details=receipt_details(chart), origin=ORIGIN)
    _check(so, reverse("item", args=[receipt.pk]))
    # A file with a draft at the section officer: forward, park, close, the note box.
    file = open_file(chart, "so")
    notes.save_draft(desk=so_desk, file_id=file.pk, body="Put up.", origin=ORIGIN)
    _check(so, reverse("item", args=[file.pk]))
    # Sent on as a draft to the deputy secretary: return, forward, the draft to edit.
    movement.forward(
        desk=so_desk,
        item_id=file.pk,
        to_post_id=chart.post("DS(Admin)").pk,
        draft_for_receiver=True,
        origin=ORIGIN,
    )
    _check(ds, reverse("item", args=[file.pk]))
    _check(so, reverse("item", args=[file.pk]))  # pull back
    # Closed: reopen.
    closed = open_file(chart, "so")
    files.close_file(desk=so_desk, file_id=closed.pk, reason="Done", origin=ORIGIN)
    _check(so, reverse("item", args=[closed.pk]))
    _check(so, reverse("item_history", args=[closed.pk]))
    for name in ("inbox", "register", "receipt_new", "file_new", "home", "org_chart"):
        _check(so, reverse(name))
    assert ds_desk.holdings


def test_manage_pages(world: World, chart: Chart) -> None:
    admin = Client(HTTP_HOST=world.punjab.host)
    admin.force_login(User.objects.get(email=world.punjab.admin_email))
    office = chart.post("SO(Admin)").office
    post = chart.post("SO(Admin)")
    for name, args in [
        ("manage:index", []),
        ("manage:office_create", []),
        ("manage:office", [office.pk]),
        ("manage:post_create", []),
        ("manage:post", [post.pk]),
        ("manage:posting_create", [post.pk]),
        ("manage:transfer", [post.pk]),
        ("manage:delegation_create", [post.pk]),
        ("manage:delegations", []),
        ("manage:import", []),
        ("manage:settings", []),
        ("manage:history", []),
    ]:
        _check(admin, reverse(name, args=args))


def test_console_pages(world: World) -> None:
    application = onboarding.submit("ids-check").tenant
    federal = Client(HTTP_HOST=world.control_host)
    federal.force_login(User.objects.get(email=world.federal_admin_email))
    _check(federal, reverse("console:application", args=[application.pk], urlconf=PUBLIC))
    _check(federal, reverse("console:applications", urlconf=PUBLIC))
    _check(federal, reverse("console:tenants", urlconf=PUBLIC))
    _check(federal, reverse("console:tenant", args=[world.punjab.tenant.pk], urlconf=PUBLIC))


def test_sign_in_pages(world: World) -> None:
    for host in (world.control_host, world.punjab.host):
        visitor = Client(HTTP_HOST=host)
        _check(visitor, reverse("account_login"))
        _check(visitor, reverse("account_reset_password"))
    signed_in = Client(HTTP_HOST=world.punjab.host)
    with schema_context(world.punjab.tenant.schema_name):
        signed_in.force_login(User.objects.get(email=world.punjab.officer_email))
    _check(signed_in, reverse("account_email"))
    _check(signed_in, reverse("account_change_password"))
