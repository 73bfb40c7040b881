"""Training pages: workshops recorded and withdrawn by federal administrators (audited, and
officers trained recounted), trained against active officers per tenant, and partner scope."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import create_account
from reports.models import MonthlyFigures, ReportEvent, Workshop
from reports.selectors import trained_counts
from reports.selectors.training import training_overview
from reports.services import record_workshop
from tenants.models import Tenant
from tenants.services import register_tenant, transition_tenant
from tests.conftest import PASSWORD, World, client_for, signed_in_client
from tests.test_page_ids import problems

pytestmark = pytest.mark.django_db

LIST = "/console/training/"


def today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def page_of(tenant: Tenant) -> str:
    return f"/console/training/{tenant.pk}/"


def this_month(tenant: Tenant, *, officers: int = 10, active: int = 2) -> MonthlyFigures:
    return MonthlyFigures.objects.create(
        tenant=tenant,
        month=today().replace(day=1),
        days_recorded=1,
        officers=officers,
        officers_active=active,
    )


def workshop_form(**changes: str) -> dict[str, str]:
    return {
        "date": today().isoformat(),
        "place": "Civil Secretariat, Lahore",
        "trainer": "Nadia Trainer",
        "attendees": "Ali Khan, Section Officer\nSara Malik, Deputy Secretary\nOmar Shah, Clerk",
        "attendee_count": "",
    } | changes


@pytest.fixture
def federal(world: World) -> Client:
    return signed_in_client(world.control_host, world.federal_admin_email)


def test_a_workshop_with_three_attendees_counts_them_this_month_and_on_the_list(
    world: World, federal: Client
) -> None:
    tenant = world.punjab.tenant
    figures = this_month(tenant, officers=10, active=2)

    response = federal.post(f"{page_of(tenant)}workshops/", workshop_form())

    assert response.status_code == 302
    figures.refresh_from_db()
    assert figures.officers_trained == 3
    workshop = Workshop.objects.get(tenant=tenant)
    assert sorted(workshop.attendees.values_list("name", "post")) == [
        ("Ali Khan", "Section Officer"),
        ("Omar Shah", "Clerk"),
        ("Sara Malik", "Deputy Secretary"),
    ]
    event = ReportEvent.objects.get(action="workshop_recorded", tenant=tenant)
    assert event.actor == world.federal_admin_email
    assert event.ip_address == "127.0.0.1"
    html = federal.get(LIST).content.decode()
    assert "trained 3, active 2: training not yet turned into use" in html
    tenant_html = federal.get(page_of(tenant)).content.decode()
    assert "Sara Malik, Deputy Secretary" in tenant_html
    assert "Civil Secretariat, Lahore" in tenant_html


def test_a_workshop_may_count_its_attendees_without_naming_them(
    world: World, federal: Client
) -> None:
    tenant = world.punjab.tenant
    figures = this_month(tenant, officers=40, active=30)

    response = federal.post(
        f"{page_of(tenant)}workshops/",
        workshop_form(attendees="", attendee_count="25"),
        follow=True,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "25 attendees, not named" in html
    figures.refresh_from_db()
    assert figures.officers_trained == 25
    assert "trained 25, active 30: in use" in federal.get(LIST).content.decode()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        (
            {"attendees": "Ali Khan\nSara Malik, Deputy Secretary\n\nOmar Shah Clerk"},
            'Line 1 ("Ali Khan") has no comma',
        ),
        ({"attendees": "Ali Khan, "}, 'Line 1 ("Ali Khan,") needs both a name and a post.'),
        ({"attendees": "", "attendee_count": "0"}, "Name at least one attendee"),
        ({"attendee_count": "4"}, "not both"),
        ({"date": "2999-01-01"}, "this date is to come"),
        ({"attendees": "A" * 201 + ", Clerk"}, "Line 1 is too long"),
        ({"attendees": "", "attendee_count": "3000000000"}, "less than or equal to 10000"),
    ],
)
def test_a_workshop_form_with_a_mistake_records_nothing_and_keeps_what_was_typed(
    world: World, federal: Client, changes: dict[str, str], error: str
) -> None:
    tenant = world.punjab.tenant
    this_month(tenant)
    form = workshop_form(**changes)

    response = federal.post(f"{page_of(tenant)}workshops/", form)

    assert response.status_code == 400
    errors = " ".join(m for found in response.context["form"].errors.values() for m in found)
    assert error in errors
    if "Omar Shah Clerk" in form["attendees"]:
        assert 'Line 4 ("Omar Shah Clerk") has no comma' in errors
    assert "Civil Secretariat, Lahore" in response.content.decode()
    assert not Workshop.objects.filter(tenant=tenant).exists()
    assert not ReportEvent.objects.filter(action="workshop_recorded", tenant=tenant).exists()


def test_withdrawing_a_workshop_needs_a_confirmation_then_it_counts_for_nothing(
    world: World, federal: Client
) -> None:
    tenant = world.punjab.tenant
    figures = this_month(tenant)
    kept = record_workshop(
        tenant=tenant,
        date=today(),
        place="Lahore",
        trainer="T",
        actor="test",
        attendees=[("Ali Khan", "SO")],
    )
    wrong = record_workshop(
        tenant=tenant, date=today(), place="Multan", trainer="T", actor="test", attendee_count=8
    )
    figures.refresh_from_db()
    assert figures.officers_trained == 9
    url = f"{page_of(tenant)}workshops/{wrong.pk}/withdraw/"

    refused = federal.post(url, {"reason": "Recorded twice"})
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.content.decode()
    assert "Recorded twice</textarea>" in refused.content.decode()

    response = federal.post(url, {"reason": "Recorded twice", "confirm": "on"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Withdrawn" in html
    assert "Recorded twice" in html
    wrong.refresh_from_db()
    assert wrong.withdrawn_at is not None and wrong.withdrawn_by == world.federal_admin_email
    assert Workshop.objects.filter(pk=wrong.pk).exists()  # withdrawn, never deleted
    figures.refresh_from_db()
    assert figures.officers_trained == 1
    assert trained_counts([tenant.pk], today()) == {tenant.pk: 1}
    event = ReportEvent.objects.get(action="workshop_withdrawn")
    assert event.detail["workshop"] == wrong.pk
    assert event.detail["reason"] == "Recorded twice"
    assert event.ip_address == "127.0.0.1"
    assert kept.pk != wrong.pk
    # A second withdrawal is refused and says why.
    again = federal.post(url, {"reason": "Again", "confirm": "on"})
    assert again.status_code == 400
    assert "already been withdrawn" in again.content.decode()


def test_partner_staff_see_only_their_tenants_and_cannot_write(world: World) -> None:
    record_workshop(
        tenant=world.sindh.tenant,
        date=today(),
        place="Karachi",
        trainer="T",
        actor="test",
        attendee_count=5,
    )
    partner = signed_in_client(world.control_host, world.partner_user_email)

    listing = partner.get(LIST)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Test Punjab" in html
    assert "Test Sindh" not in html
    assert partner.get(page_of(world.sindh.tenant)).status_code == 404
    own = partner.get(page_of(world.punjab.tenant))
    assert own.status_code == 200
    assert "Record a workshop" not in own.content.decode()
    assert "withdraw" not in own.content.decode().lower().replace("withdrawn", "")
    sindh_workshop = Workshop.objects.get(tenant=world.sindh.tenant)
    for url in (
        f"{page_of(world.punjab.tenant)}workshops/",
        f"{page_of(world.sindh.tenant)}workshops/",
        f"{page_of(world.sindh.tenant)}workshops/{sindh_workshop.pk}/withdraw/",
    ):
        assert (
            partner.post(url, workshop_form() | {"reason": "x", "confirm": "on"}).status_code == 403
        )
    assert not Workshop.objects.filter(tenant=world.punjab.tenant).exists()
    assert Workshop.objects.filter(tenant=world.sindh.tenant).count() == 1
    sindh_workshop.refresh_from_db()
    assert sindh_workshop.withdrawn_at is None


def test_users_who_see_no_report_are_refused(world: World) -> None:
    create_account(email="clerk@board.example", full_name="Clerk", password=PASSWORD)
    clerk = signed_in_client(world.control_host, "clerk@board.example")

    assert clerk.get(LIST).status_code == 403
    assert clerk.get(page_of(world.punjab.tenant)).status_code == 403
    assert (
        clerk.post(f"{page_of(world.punjab.tenant)}workshops/", workshop_form()).status_code == 403
    )
    assert client_for(world.control_host).get(LIST).status_code == 302


def test_the_list_searches_sorts_and_agrees_with_trained_counts(
    world: World, federal: Client
) -> None:
    this_month(world.punjab.tenant, officers=10, active=9)
    this_month(world.sindh.tenant, officers=10, active=1)
    record_workshop(
        tenant=world.sindh.tenant,
        date=today(),
        place="Karachi",
        trainer="T",
        actor="test",
        attendees=[("Ali", "SO"), (" ali ", "so"), ("Bina", "DS")],  # Ali once: 2 people
    )

    by_trained = federal.get(LIST, {"sort": "trained"}).content.decode()
    by_active = federal.get(LIST, {"sort": "active"}).content.decode()
    searched = federal.get(LIST, {"q": "sindh"}).content.decode()

    assert by_trained.index("Test Sindh") < by_trained.index("Test Punjab")
    assert by_active.index("Test Punjab") < by_active.index("Test Sindh")
    assert "Test Sindh" in searched and "Test Punjab" not in searched
    ids = [world.punjab.tenant.pk, world.sindh.tenant.pk]
    listed = {t.pk: t.trained for t in training_overview(until=today(), tenant_ids=ids)}
    assert listed == trained_counts(ids, today()) == {ids[0]: 0, ids[1]: 2}


def _tenant(number: int) -> Tenant:
    tenant = register_tenant(
        name=f"Training Dept {number}",
        kind=Tenant.Kind.DEPARTMENT,
        subdomain=f"training-dept-{number}",
        actor="test",
    )
    transition_tenant(tenant=tenant, to_state=Tenant.State.APPROVED, actor="test")
    this_month(tenant)
    record_workshop(
        tenant=tenant,
        date=today(),
        place="Islamabad",
        trainer="T",
        actor="test",
        attendees=[("A", "B")],
    )
    return tenant


def test_the_list_takes_as_many_queries_for_six_tenants_as_for_two(
    world: World, federal: Client
) -> None:
    federal.get(LIST)  # the session's first read of the user is not the list's
    with CaptureQueriesContext(connection) as two:
        assert federal.get(LIST).status_code == 200
    for number in range(4):
        _tenant(number)
    with CaptureQueriesContext(connection) as six:
        response = federal.get(LIST)

    assert "Training Dept 3" in response.content.decode()
    assert len(response.context["rows"]) >= 6
    assert len(six) == len(two)


def test_pages_give_every_field_its_own_id(world: World, federal: Client) -> None:
    # Each live workshop has its own withdrawal form: their boxes must not share an id.
    for place in ("Lahore", "Multan"):
        record_workshop(
            tenant=world.punjab.tenant,
            date=today(),
            place=place,
            trainer="T",
            actor="test",
            attendee_count=3,
        )
    for url in (LIST, page_of(world.punjab.tenant), "/console/report/rule/"):
        response = federal.get(url)
        assert response.status_code == 200, url
        assert problems(response.content.decode()) == [], url


def test_a_search_with_a_nul_character_is_only_a_search(world: World, federal: Client) -> None:
    response = federal.get(LIST, {"q": "Pun\x00jab"})
    assert response.status_code == 200
